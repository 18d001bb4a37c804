using System.Threading.Channels;

namespace Distributed.Messaging;

/// <summary>How the aggregator gathers one INSERT's worth of results.</summary>
public static class BatchWindow
{
    /// <summary>
    /// Takes what is already waiting (up to <paramref name="batchSize"/>); then, only when
    /// <paramref name="flushMs"/> is above 0, waits that long for more until the batch is full.
    /// With 0 a batch is whatever arrived while the previous one was written: it grows with the
    /// load and a lone result is not held back.
    /// </summary>
    public static async Task FillAsync<T>(ChannelReader<T> inbox, List<T> batch, int batchSize, int flushMs)
    {
        while (batch.Count < batchSize && inbox.TryRead(out var item))
        {
            batch.Add(item);
        }

        if (flushMs == 0 || batch.Count >= batchSize)
        {
            return;
        }

        using var window = new CancellationTokenSource(flushMs);
        while (batch.Count < batchSize)
        {
            if (inbox.TryRead(out var item))
            {
                batch.Add(item);
                continue;
            }

            try
            {
                if (!await inbox.WaitToReadAsync(window.Token))
                {
                    return;
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
