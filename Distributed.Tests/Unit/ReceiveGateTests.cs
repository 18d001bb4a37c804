using Distributed.Messaging;

namespace Distributed.Tests.Unit;

public sealed class ReceiveGateTests
{
    [Fact]
    public async Task Closing_cancels_the_pull_and_opening_lets_a_waiter_pull_again()
    {
        using var gate = new ReceiveGate();
        var pulling = await gate.WhenOpenAsync(CancellationToken.None);

        gate.Close();
        Assert.True(pulling.IsCancellationRequested);
        var waiting = gate.WhenOpenAsync(CancellationToken.None);
        Assert.False(waiting.IsCompleted);

        gate.Open();
        Assert.False((await waiting.WaitAsync(TimeSpan.FromSeconds(5))).IsCancellationRequested);
    }
}
