using System.Text.Json;
using Distributed.Contracts;

namespace Distributed.Gateway;

/// <summary>
/// A body of <c>POST /tasks</c> that passed validation. <see cref="Data"/> is the client's own
/// bytes for the <c>data</c> value, forwarded as they came: never parsed into a tree and
/// written again, so nothing is re-escaped and nothing grows on the way to NATS.
/// </summary>
public sealed record TaskSubmission(string TaskType, RawJson Data);

/// <summary>Why a body was refused: 400 when it is not JSON (or not text), 422 when it is JSON that cannot be a task.</summary>
public sealed record SubmissionError(int StatusCode, string Title, string Detail);

/// <summary>
/// Reads a <c>POST /tasks</c> body in one pass over its bytes and decides what can be stored.
/// Pure, so every rule of the contract is unit-tested directly.
/// </summary>
public static class TaskSubmissionParser
{
    /// <summary>Nesting the gateway accepts; the stored row and the listing add a few levels on top.</summary>
    public const int MaxDepth = 64;

    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = MaxDepth };

    public static bool TryParse(ReadOnlyMemory<byte> body, out TaskSubmission? submission, out SubmissionError? error)
    {
        submission = null;
        var json = body.Span;
        var reader = new Utf8JsonReader(json, ReaderOptions);
        var scan = new JsonScan();
        string? taskType = null;
        JsonTokenType taskTypeToken = JsonTokenType.None;
        Range? data = null;
        string? shapeError = null;

        try
        {
            if (!reader.Read())
            {
                error = Malformed("the body is empty");
                return false;
            }

            if (reader.TokenType != JsonTokenType.StartObject)
            {
                shapeError = $"The body must be a JSON object, not {Describe(reader.TokenType)}.";
                scan.Value(ref reader, storable: false);
            }
            else
            {
                var names = new PropertyNames();
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    scan.Text(ref reader, storable: false);
                    if (scan.Invalid is not null)
                    {
                        break;
                    }

                    var name = reader.GetString()!;
                    if (!names.Add(name))
                    {
                        error = Malformed($"the property '{name}' appears twice in one object");
                        return false;
                    }

                    reader.Read();
                    if (name == "data")
                    {
                        var start = (int)reader.TokenStartIndex;
                        scan.Value(ref reader, storable: true);
                        data = start..(int)reader.BytesConsumed;
                    }
                    else if (name == "task_type")
                    {
                        taskTypeToken = reader.TokenType;
                        scan.Value(ref reader, storable: false);
                        if (taskTypeToken == JsonTokenType.String && scan.Invalid is null)
                        {
                            taskType = reader.GetString();
                        }
                    }
                    else
                    {
                        // Unknown fields are ignored, so whatever they hold is never stored.
                        scan.Value(ref reader, storable: false);
                    }

                    if (scan.Invalid is not null)
                    {
                        break;
                    }
                }
            }

            // The reader has seen the whole value; this throws on anything after it.
            if (scan.Invalid is null)
            {
                while (reader.Read())
                {
                }
            }
        }
        catch (JsonException ex)
        {
            error = Malformed(ex.Message);
            return false;
        }

        if (scan.Invalid is not null)
        {
            error = Malformed(scan.Invalid);
            return false;
        }

        error = shapeError is not null ? Shape(shapeError) : ShapeOf(taskType, taskTypeToken, data, scan.Unstorable);
        if (error is not null)
        {
            return false;
        }

        submission = new TaskSubmission(taskType!, new RawJson(body[data!.Value]));
        return true;
    }

    private static SubmissionError? ShapeOf(string? taskType, JsonTokenType taskTypeToken, Range? data, string? unstorable)
    {
        if (taskTypeToken == JsonTokenType.None)
        {
            return Shape("The field 'task_type' is required.");
        }

        if (taskTypeToken != JsonTokenType.String)
        {
            return Shape($"The field 'task_type' must be a string, not {Describe(taskTypeToken)}.");
        }

        if (!TaskTypeRule.IsValid(taskType))
        {
            return Shape($"The field 'task_type' must be 1-{TaskTypeRule.MaxLength} characters of A-Z, a-z, 0-9, '_' or '-'.");
        }

        if (data is null)
        {
            return Shape("The field 'data' is required (it may be null).");
        }

        return unstorable is null ? null : Shape($"The field 'data' cannot be stored: {unstorable}.");
    }

    private static SubmissionError Malformed(string reason) =>
        new(400, "Malformed JSON", $"The body is not valid JSON text: {reason}");

    private static SubmissionError Shape(string detail) => new(422, "Invalid task", detail);

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => "nothing",
    };

    /// <summary>
    /// Walks one value with the reader, checking every string and property name for text
    /// PostgreSQL cannot hold and, where the value will be stored, every number for the range
    /// of its numeric type. Remembers the first reason of each kind.
    /// </summary>
    private sealed class JsonScan
    {
        private readonly Stack<PropertyNames> _objects = new();

        /// <summary>Why the body is not valid text (a 400), if it is not.</summary>
        public string? Invalid { get; private set; }

        /// <summary>Why <c>data</c> cannot be stored (a 422), if it cannot.</summary>
        public string? Unstorable { get; private set; }

        public void Value(ref Utf8JsonReader reader, bool storable)
        {
            var depth = reader.CurrentDepth;
            while (true)
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                        _objects.Push(new PropertyNames());
                        break;
                    case JsonTokenType.EndObject:
                        _objects.Pop();
                        break;
                    case JsonTokenType.PropertyName:
                        Text(ref reader, storable);
                        if (Invalid is null && !_objects.Peek().Add(reader.GetString()!))
                        {
                            Invalid = $"the property '{reader.GetString()}' appears twice in one object";
                        }

                        break;
                    case JsonTokenType.String:
                        Text(ref reader, storable);
                        break;
                    case JsonTokenType.Number when storable && Unstorable is null:
                        Unstorable = StorableJson.NumberProblem(reader.ValueSpan);
                        break;
                }

                var valueEnded = reader.CurrentDepth == depth
                    && reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray);
                if (Invalid is not null || valueEnded || !reader.Read())
                {
                    return;
                }
            }
        }

        public void Text(ref Utf8JsonReader reader, bool storable)
        {
            var problem = StorableJson.TextProblem(reader.ValueSpan, reader.ValueIsEscaped);
            switch (problem)
            {
                case TextProblem.Invalid:
                    Invalid = "a string holds a lone UTF-16 surrogate or bytes that are not UTF-8";
                    break;
                case TextProblem.Nul when storable && Unstorable is null:
                    Unstorable = "a string holds \\u0000, which PostgreSQL's jsonb cannot store";
                    break;
            }
        }
    }

    /// <summary>The property names of one object, to refuse a duplicate without quadratic work on a huge object.</summary>
    private sealed class PropertyNames
    {
        private const int LinearLimit = 8;
        private List<string>? _few;
        private HashSet<string>? _many;

        public bool Add(string name)
        {
            if (_many is not null)
            {
                return _many.Add(name);
            }

            _few ??= new List<string>(4);
            if (_few.Contains(name, StringComparer.Ordinal))
            {
                return false;
            }

            _few.Add(name);
            if (_few.Count > LinearLimit)
            {
                _many = new HashSet<string>(_few, StringComparer.Ordinal);
                _few = null;
            }

            return true;
        }
    }
}
