using Distributed.Messaging;
using System.Globalization;
using System.Text;

namespace Distributed.DeadLetters;

/// <summary>
/// Dead letters as an operator reads them, in Markdown: the dashboard renders it, a terminal shows
/// it as plain text that still lines up.
/// </summary>
public static class DeadLetterReport
{
    /// <summary>The newest <paramref name="shown"/> of <paramref name="letters"/>: when, from which subject, after how many deliveries, why.</summary>
    public static string Table(IReadOnlyList<DeadLetter> letters, int shown)
    {
        var table = new StringBuilder()
            .AppendLine("| sequence | when (UTC) | original subject | deliveries | reason |")
            .AppendLine("|---:|---|---|---:|---|");
        foreach (var letter in letters.TakeLast(shown))
        {
            table.AppendLine(CultureInfo.InvariantCulture,
                $"| {letter.Sequence} | {letter.At:yyyy-MM-dd HH:mm:ss} | `{letter.OriginalSubject}` | {letter.Deliveries?.ToString(CultureInfo.InvariantCulture) ?? "—"} | {Cell(letter.Reason)} |");
        }

        return table.ToString();
    }

    /// <summary>What a replay did, with every refused letter and its reason.</summary>
    public static string Replay(string stage, ReplayOutcome outcome)
    {
        var text = new StringBuilder(outcome.Replayed == 0 && outcome.Refused.Count == 0
            ? $"Nothing to replay on deadletter.{stage}."
            : $"Replayed {outcome.Replayed} dead letters of deadletter.{stage} to their original subjects.");
        foreach (var (sequence, reason) in outcome.Refused)
        {
            text.Append(CultureInfo.InvariantCulture, $"{Environment.NewLine}Dead letter {sequence} not replayed: {reason}.");
        }

        return text.ToString();
    }

    public static string Summary(IReadOnlyList<DeadLetter> letters, string stage, int shown) =>
        letters.Count <= shown
            ? $"{letters.Count} dead letters on deadletter.{stage}"
            : $"{letters.Count} dead letters on deadletter.{stage}; the newest {shown} shown";

    /// <summary>One dead letter: its reason, every header and the payload.</summary>
    public static string Detail(DeadLetter letter)
    {
        var text = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"**{letter.OriginalSubject}**, dead-lettered {letter.At:yyyy-MM-dd HH:mm:ss} UTC")
            .AppendLine()
            .AppendLine("| header | value |")
            .AppendLine("|---|---|");
        foreach (var (name, value) in letter.Headers)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {Cell(value.ToString())} |");
        }

        return text.AppendLine().AppendLine("```json").AppendLine(Encoding.UTF8.GetString(letter.Payload)).AppendLine("```").ToString();
    }

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal);
}
