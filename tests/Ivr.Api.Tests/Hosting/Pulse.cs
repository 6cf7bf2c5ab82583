namespace Ivr.Api.Tests;

/// <summary>
/// Wakes a test when something it watches may have changed (a fake is asked to place or redirect a call), so that it
/// awaits the change itself instead of sleeping on the wall clock. The limit only ends a test that would hang.
/// </summary>
public sealed class Pulse
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Something changed: every waiter looks again.</summary>
    public void Beat() => Interlocked.Exchange(ref _next, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    /// <summary>Returns once <paramref name="condition"/> holds; fails the test if it does not come true.</summary>
    public async Task UntilAsync(Func<bool> condition, string what)
    {
        using var limit = new CancellationTokenSource(Limit);
        while (true)
        {
            var next = Volatile.Read(ref _next).Task;
            if (condition())
                return;
            try
            {
                await next.WaitAsync(limit.Token);
            }
            catch (OperationCanceledException)
            {
                throw new Xunit.Sdk.XunitException($"Waited {Limit.TotalSeconds:0} s in vain for {what}.");
            }
        }
    }
}
