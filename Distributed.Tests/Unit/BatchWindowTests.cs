using System.Threading.Channels;
using Distributed.Messaging;

namespace Distributed.Tests.Unit;

public sealed class BatchWindowTests
{
    private static Channel<int> InboxWith(params int[] items)
    {
        var inbox = Channel.CreateUnbounded<int>();
        foreach (var item in items)
        {
            inbox.Writer.TryWrite(item);
        }

        return inbox;
    }

    [Fact]
    public void Without_a_flush_window_a_batch_is_what_is_already_waiting_and_nothing_waits()
    {
        var inbox = InboxWith(1, 2, 3);
        var batch = new List<int>();

        var filling = BatchWindow.FillAsync(inbox.Reader, batch, batchSize: 256, flushMs: 0);

        Assert.True(filling.IsCompletedSuccessfully, "a lone result must not be held back for company");
        Assert.Equal([1, 2, 3], batch);
    }

    [Fact]
    public void A_batch_never_exceeds_its_size_and_the_rest_stays_for_the_next()
    {
        var inbox = InboxWith(1, 2, 3);
        var batch = new List<int>();

        var filling = BatchWindow.FillAsync(inbox.Reader, batch, batchSize: 2, flushMs: 0);

        Assert.True(filling.IsCompletedSuccessfully);
        Assert.Equal([1, 2], batch);
        Assert.True(inbox.Reader.TryRead(out var next));
        Assert.Equal(3, next);
    }

    [Fact]
    public async Task With_a_flush_window_a_partial_batch_waits_for_more_until_it_is_full()
    {
        var inbox = InboxWith(1);
        var batch = new List<int>();

        var filling = BatchWindow.FillAsync(inbox.Reader, batch, batchSize: 2, flushMs: 60_000);
        Assert.False(filling.IsCompleted, "with a window, one result waits for a second");

        await inbox.Writer.WriteAsync(2);
        await filling.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal([1, 2], batch);
    }
}
