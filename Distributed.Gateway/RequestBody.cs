using System.Buffers;

namespace Distributed.Gateway;

public static class RequestBody
{
    /// <summary>
    /// Reads the whole body, or returns null as soon as it grows past <paramref name="limit"/>.
    /// Memory follows the bytes that have arrived, never the Content-Length a client claims: a
    /// client that announces 1 MiB and sends it slowly holds what it sent, not 1 MiB.
    /// </summary>
    public static async Task<ReadOnlyMemory<byte>?> ReadAsync(HttpRequest request, long limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
        {
            return null;
        }

        var chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            using var buffer = new MemoryStream();
            int read;
            while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (buffer.Length + read > limit)
                {
                    return null;
                }

                buffer.Write(chunk, 0, read);
            }

            return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            // Kestrel's own MaxRequestBodySize tripped first (chunked body).
            return null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    /// <summary>
    /// Whether a failed read means the body came too slowly: below Kestrel's data-rate floor (its
    /// 408), or not whole by the body deadline — not the client leaving, which is <paramref name="aborted"/>.
    /// </summary>
    public static bool IsTooSlow(Exception exception, CancellationToken bodyDeadline, CancellationToken aborted) =>
        !aborted.IsCancellationRequested
        && (exception is BadHttpRequestException { StatusCode: StatusCodes.Status408RequestTimeout }
            || (exception is OperationCanceledException && bodyDeadline.IsCancellationRequested));
}
