using System.Collections.Concurrent;
using System.Net;

namespace Distributed.Tests.Tracing;

/// <summary>One exported span, as much of it as the trace tests look at.</summary>
public sealed record ReceivedSpan(
    string Service,
    string Scope,
    string TraceId,
    string SpanId,
    string ParentSpanId,
    string Name,
    IReadOnlyDictionary<string, string> Attributes,
    IReadOnlyList<(string TraceId, string SpanId)> Links)
{
    public bool IsRoot => ParentSpanId.Length == 0;
}

/// <summary>
/// An OTLP/HTTP (protobuf) receiver inside the test: the services export to it exactly as they
/// export to the Aspire dashboard or a collector, and the test reads what arrived.
/// </summary>
public sealed class OtlpTraceReceiver : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<ReceivedSpan> _spans = new();
    private readonly Task _serving;

    public OtlpTraceReceiver(int port)
    {
        Endpoint = $"http://127.0.0.1:{port}";
        _listener.Prefixes.Add(Endpoint + "/");
        _listener.Start();
        _serving = Task.Run(ServeAsync);
    }

    public string Endpoint { get; }

    public IReadOnlyList<ReceivedSpan> Spans => [.. _spans];

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            using (var body = new MemoryStream())
            {
                await context.Request.InputStream.CopyToAsync(body);
                if (context.Request.Url?.AbsolutePath == "/v1/traces")
                {
                    foreach (var span in OtlpProtobuf.ReadSpans(body.ToArray()))
                    {
                        _spans.Enqueue(span);
                    }
                }
            }

            // Metrics and logs are accepted and dropped; an empty Export*ServiceResponse is an empty body.
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/x-protobuf";
            context.Response.Close();
        }
    }

    public void Dispose()
    {
        _listener.Close();
        _serving.Wait(TimeSpan.FromSeconds(5));
    }
}

/// <summary>
/// Just enough of the protobuf wire format to read spans out of an ExportTraceServiceRequest
/// (opentelemetry/proto/trace/v1/trace.proto): resource_spans(1) → resource(1) attributes(1),
/// scope_spans(2) → spans(2) → trace_id(1) span_id(2) parent_span_id(4) name(5) attributes(9) links(13).
/// </summary>
public static class OtlpProtobuf
{
    public static IEnumerable<ReceivedSpan> ReadSpans(byte[] request)
    {
        foreach (var resourceSpans in Fields(request).Where(f => f.Number == 1).Select(f => f.Bytes))
        {
            var service = "?";
            var spans = new List<ReceivedSpan>();
            foreach (var field in Fields(resourceSpans))
            {
                if (field.Number == 1)
                {
                    var attributes = Attributes(Fields(field.Bytes).Where(f => f.Number == 1).Select(f => f.Bytes));
                    service = attributes.GetValueOrDefault("service.name", "?");
                }
                else if (field.Number == 2)
                {
                    var scopeSpans = Fields(field.Bytes).ToList();
                    var scope = scopeSpans.Where(f => f.Number == 1).Select(f => Fields(f.Bytes).FirstOrDefault(n => n.Number == 1).Bytes)
                        .Select(name => name is null ? string.Empty : System.Text.Encoding.UTF8.GetString(name)).FirstOrDefault() ?? string.Empty;
                    spans.AddRange(scopeSpans.Where(f => f.Number == 2).Select(f => ReadSpan(f.Bytes) with { Scope = scope }));
                }
            }

            foreach (var span in spans)
            {
                yield return span with { Service = service };
            }
        }
    }

    private static ReceivedSpan ReadSpan(byte[] span)
    {
        string traceId = string.Empty, spanId = string.Empty, parent = string.Empty, name = string.Empty;
        var attributes = new List<byte[]>();
        var links = new List<(string, string)>();
        foreach (var field in Fields(span))
        {
            switch (field.Number)
            {
                case 1: traceId = Convert.ToHexStringLower(field.Bytes); break;
                case 2: spanId = Convert.ToHexStringLower(field.Bytes); break;
                case 4: parent = Convert.ToHexStringLower(field.Bytes); break;
                case 5: name = System.Text.Encoding.UTF8.GetString(field.Bytes); break;
                case 9: attributes.Add(field.Bytes); break;
                case 13:
                    var link = Fields(field.Bytes).ToList();
                    links.Add((Convert.ToHexStringLower(link.First(f => f.Number == 1).Bytes), Convert.ToHexStringLower(link.First(f => f.Number == 2).Bytes)));
                    break;
            }
        }

        return new ReceivedSpan(string.Empty, string.Empty, traceId, spanId, parent, name, Attributes(attributes), links);
    }

    /// <summary>KeyValue(key=1, value=AnyValue(string=1 | bool=2 | int=3 | double=4)) as text.</summary>
    private static Dictionary<string, string> Attributes(IEnumerable<byte[]> keyValues)
    {
        var attributes = new Dictionary<string, string>();
        foreach (var keyValue in keyValues)
        {
            var fields = Fields(keyValue).ToList();
            var key = System.Text.Encoding.UTF8.GetString(fields.First(f => f.Number == 1).Bytes);
            var value = fields.FirstOrDefault(f => f.Number == 2);
            var any = value.Bytes is { Length: > 0 } bytes ? Fields(bytes).FirstOrDefault() : default;
            attributes[key] = any.Number switch
            {
                1 => System.Text.Encoding.UTF8.GetString(any.Bytes),
                2 or 3 => any.Varint.ToString(System.Globalization.CultureInfo.InvariantCulture),
                _ => string.Empty,
            };
        }

        return attributes;
    }

    private readonly record struct Field(int Number, byte[] Bytes, ulong Varint);

    private static IEnumerable<Field> Fields(byte[] message)
    {
        var position = 0;
        while (position < message.Length)
        {
            var key = ReadVarint(message, ref position);
            var number = (int)(key >> 3);
            switch ((int)(key & 7))
            {
                case 0:
                    yield return new Field(number, [], ReadVarint(message, ref position));
                    break;
                case 1:
                    position += 8;
                    break;
                case 2:
                    var length = (int)ReadVarint(message, ref position);
                    yield return new Field(number, message[position..(position + length)], 0);
                    position += length;
                    break;
                case 5:
                    position += 4;
                    break;
                default:
                    throw new InvalidDataException($"unexpected wire type in field {number}");
            }
        }
    }

    private static ulong ReadVarint(byte[] buffer, ref int position)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = buffer[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }
    }
}
