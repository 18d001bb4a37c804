namespace Distributed.Tests.Integration;

/// <summary>Waits for a condition with a deadline, instead of sleeping and hoping.</summary>
public static class Eventually
{
    public static async Task<T> MatchAsync<T>(Func<Task<T>> probe, Func<T, bool> condition, TimeSpan deadline, string what)
    {
        using var timeout = new CancellationTokenSource(deadline);
        T last = default!;
        while (true)
        {
            try
            {
                last = await probe();
                if (condition(last))
                {
                    return last;
                }
            }
            catch (HttpRequestException) when (!timeout.IsCancellationRequested)
            {
                // The service may still be coming up; try again.
            }

            if (timeout.IsCancellationRequested)
            {
                throw new TimeoutException($"Gave up after {deadline.TotalSeconds:F0} s waiting for {what}; last seen: {last}");
            }

            await Task.Delay(100, CancellationToken.None);
        }
    }
}
