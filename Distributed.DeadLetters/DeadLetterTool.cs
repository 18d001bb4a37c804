using Distributed.Messaging;
using Microsoft.Extensions.Configuration;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace Distributed.DeadLetters;

/// <summary>
/// The dashboard's dead-letter commands for a terminal: the same <see cref="DeadLetterArchive"/>
/// and the same report, connected as whoever <c>NATS_URL</c> names.
/// </summary>
public static class DeadLetterTool
{
    public static Task<int> ListAsync(string stage, CancellationToken cancellationToken) =>
        WithArchiveAsync(async archive =>
        {
            var letters = await archive.ListAsync(stage, PipelineTopology.DeadLetterMaxMessages, cancellationToken);
            Console.WriteLine(DeadLetterReport.Summary(letters, stage, letters.Count));
            Console.Write(DeadLetterReport.Table(letters, letters.Count));
            return 0;
        });

    public static Task<int> ShowAsync(ulong sequence, CancellationToken cancellationToken) =>
        WithArchiveAsync(async archive =>
        {
            if (await archive.GetAsync(sequence, cancellationToken) is not { } letter)
            {
                await Console.Error.WriteLineAsync($"No dead letter {sequence}.");
                return 1;
            }

            Console.WriteLine($"Dead letter {sequence} of deadletter.{letter.Stage}: {letter.Reason}");
            Console.Write(DeadLetterReport.Detail(letter));
            return 0;
        });

    public static Task<int> ReplayAsync(string stage, ulong? sequence, CancellationToken cancellationToken) =>
        WithArchiveAsync(async archive =>
        {
            var outcome = await archive.ReplayAsync(stage, sequence, cancellationToken);
            Console.WriteLine(DeadLetterReport.Replay(stage, outcome));
            return outcome.Replayed == 0 ? 1 : 0;
        });

    public static Task<int> PurgeAsync(string stage, CancellationToken cancellationToken) =>
        WithArchiveAsync(async archive =>
        {
            Console.WriteLine($"Deleted {await archive.PurgeAsync(stage, cancellationToken)} dead letters of deadletter.{stage}.");
            return 0;
        });

    private static async Task<int> WithArchiveAsync(Func<DeadLetterArchive, Task<int>> act)
    {
        var configuration = new ConfigurationBuilder().AddEnvironmentVariables().Build();
        var url = NatsUrl.Resolve(configuration);
        var (bareUrl, user, password) = NatsUrl.SplitCredentials(url);
        await using var connection = new NatsConnection(NatsOpts.Default with
        {
            Url = bareUrl,
            AuthOpts = NatsAuthOpts.Default with { Username = user, Password = password },
            TlsOpts = NatsUrl.TlsOptions(configuration),
            Name = "Distributed.DeadLetters",
            // Responders answer only the inbox prefixes of those they serve: the operator's is one.
            InboxPrefix = NatsIdentity.InboxPrefixOf(user ?? NatsIdentities.OperatorUser),
        });
        try
        {
            return await act(new DeadLetterArchive(new NatsJSContext(connection)));
        }
        catch (Exception ex) when (ex is NatsException or TimeoutException)
        {
            await Console.Error.WriteLineAsync($"{NatsUrl.Redact(url)}: {ex.Message} ({ex.GetBaseException().Message})");
            return 2;
        }
    }
}
