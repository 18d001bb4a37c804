using Distributed.Aggregator.Data;

namespace Distributed.Tests.Unit;

public sealed class SharedReadTests
{
    [Fact]
    public async Task Callers_arriving_during_a_read_share_the_next_one_not_the_running_one()
    {
        var version = 0;
        var gates = new List<TaskCompletionSource>();
        var shared = new SharedRead<int>(async () =>
        {
            var seen = version; // what this read "sees" is the data as of its start
            var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (gates)
            {
                gates.Add(gate);
            }

            await gate.Task;
            return seen;
        });

        var first = shared.ReadAsync(CancellationToken.None);
        version = 1; // a commit after the first read started
        var late = Enumerable.Range(0, 10).Select(_ => shared.ReadAsync(CancellationToken.None)).ToList();
        Assert.Equal(1, shared.Reads);

        gates[0].SetResult();
        Assert.Equal(0, await first);
        // The read that ends hands over to the next one before it answers its own callers.
        Assert.Equal(2, shared.Reads);
        gates[1].SetResult();

        // Ten callers, one more read, and each saw the commit that preceded its request.
        Assert.All(await Task.WhenAll(late), seen => Assert.Equal(1, seen));
        Assert.Equal(2, shared.Reads);
    }

    [Fact]
    public async Task A_failed_read_fails_its_callers_and_the_next_read_runs_afresh()
    {
        var fail = true;
        var shared = new SharedRead<int>(() => fail ? Task.FromException<int>(new TimeoutException("down")) : Task.FromResult(7));

        await Assert.ThrowsAsync<TimeoutException>(() => shared.ReadAsync(CancellationToken.None));
        fail = false;
        Assert.Equal(7, await shared.ReadAsync(CancellationToken.None));
    }
}
