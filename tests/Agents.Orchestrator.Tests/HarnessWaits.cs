using MassTransit.Testing;

namespace Agents.Orchestrator.Tests;

/// <summary>
/// Waits on the test harness' message lists with a deadline of their own. MassTransit's own waits (<c>Any</c>,
/// <c>SelectAsync</c>) end for good once the bus has been idle for the harness' inactivity timeout: its inactivity
/// token is cancelled once and never re-armed, so on a loaded machine every later wait of the test only looks at what
/// has already arrived (CI saw a reply published and checked before the saga had consumed it). These look at what has
/// arrived so far, again and again, until it matches or the deadline passes.
/// </summary>
internal static class HarnessWaits
{
    /// <summary>How long a wait for something that should happen may take on a busy 2-core machine.</summary>
    public static TimeSpan Patience { get; } = TimeSpan.FromSeconds(15);

    // A cancelled token makes the harness lists answer with what they hold now, without waiting.
    private static readonly CancellationToken HeldNow = new(canceled: true);

    public static Task<IReceivedMessage<T>?> WaitConsumed<T>(this ITestHarness harness, Func<IReceivedMessage<T>, bool> filter)
        where T : class =>
        Eventually(() => harness.Consumed.Select<T>(c => filter(c), HeldNow).FirstOrDefault());

    public static Task<ISentMessage<T>?> WaitSent<T>(this ITestHarness harness, Func<ISentMessage<T>, bool> filter)
        where T : class =>
        Eventually(() => harness.Sent.Select<T>(s => filter(s), HeldNow).FirstOrDefault());

    public static Task<IPublishedMessage<T>?> WaitPublished<T>(this ITestHarness harness, Func<IPublishedMessage<T>, bool> filter)
        where T : class =>
        Eventually(() => harness.Published.Select<T>(p => filter(p), HeldNow).FirstOrDefault());

    /// <summary>Whether a message matching <paramref name="filter"/> has been consumed so far (no waiting).</summary>
    public static bool HasConsumed<T>(this ITestHarness harness, Func<IReceivedMessage<T>, bool> filter)
        where T : class =>
        harness.Consumed.Select<T>(c => filter(c), HeldNow).Any();

    /// <summary>What <paramref name="look"/> finds once it finds something, or null when <paramref name="within"/> (default <see cref="Patience"/>) has passed.</summary>
    public static async Task<TFound?> Eventually<TFound>(Func<TFound?> look, TimeSpan? within = null)
        where TFound : class
    {
        TFound? found = null;
        return await Eventually(() => (found = look()) is not null, within) ? found : null;
    }

    /// <summary>Whether <paramref name="condition"/> came true before <paramref name="within"/> (default <see cref="Patience"/>) passed.</summary>
    public static async Task<bool> Eventually(Func<bool> condition, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? Patience);
        while (true)
        {
            if (condition())
            {
                return true;
            }

            if (DateTime.UtcNow >= deadline)
            {
                return false;
            }

            await Task.Delay(20);
        }
    }
}
