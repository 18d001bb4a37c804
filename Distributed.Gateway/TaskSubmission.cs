using System.Text.Json;
using Distributed.Contracts;

namespace Distributed.Gateway;

/// <summary>A body of <c>POST /tasks</c> that passed validation.</summary>
public sealed record TaskSubmission(string TaskType, JsonElement Data);

/// <summary>Why a body was refused: 400 when it is not JSON, 422 when the JSON has the wrong shape.</summary>
public sealed record SubmissionError(int StatusCode, string Title, string Detail);

/// <summary>
/// Reads a <c>POST /tasks</c> body. Pure, so every rule of the spec is unit-tested directly.
/// </summary>
public static class TaskSubmissionParser
{
    private static readonly JsonDocumentOptions DocumentOptions = new()
    {
        AllowDuplicateProperties = false,
        MaxDepth = 64,
    };

    public static bool TryParse(ReadOnlyMemory<byte> body, out TaskSubmission? submission, out SubmissionError? error)
    {
        submission = null;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, DocumentOptions);
        }
        catch (JsonException ex)
        {
            error = new SubmissionError(400, "Malformed JSON", $"The body is not valid JSON: {ex.Message}");
            return false;
        }

        using (document)
        {
            error = Validate(document.RootElement, out var taskType, out var data);
            if (error is not null)
            {
                return false;
            }

            submission = new TaskSubmission(taskType!, data.Clone());
            return true;
        }
    }

    private static SubmissionError? Validate(JsonElement root, out string? taskType, out JsonElement data)
    {
        taskType = null;
        data = default;
        if (root.ValueKind != JsonValueKind.Object)
        {
            return Shape($"The body must be a JSON object, not {Describe(root.ValueKind)}.");
        }

        if (!root.TryGetProperty("task_type", out var taskTypeElement))
        {
            return Shape("The field 'task_type' is required.");
        }

        if (taskTypeElement.ValueKind != JsonValueKind.String)
        {
            return Shape($"The field 'task_type' must be a string, not {Describe(taskTypeElement.ValueKind)}.");
        }

        taskType = taskTypeElement.GetString();
        if (!TaskTypeRule.IsValid(taskType))
        {
            return Shape($"The field 'task_type' must be 1-{TaskTypeRule.MaxLength} characters of A-Z, a-z, 0-9, '_' or '-'.");
        }

        if (!root.TryGetProperty("data", out data))
        {
            return Shape("The field 'data' is required (it may be null).");
        }

        return null;
    }

    private static SubmissionError Shape(string detail) => new(422, "Invalid task", detail);

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };
}
