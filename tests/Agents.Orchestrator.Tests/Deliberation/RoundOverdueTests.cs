using Agents.Orchestrator.Deliberations;
using MassTransit.Testing;

namespace Agents.Orchestrator.Tests.Deliberation;

/// <summary>The overdue sweep's stand-in for a round timeout that never arrived.</summary>
public sealed class RoundOverdueTests
{
    [Fact]
    public async Task An_overdue_round_ends_as_timed_out_with_the_silent_marked_and_a_late_one_changes_nothing()
    {
        await using var h = await DeliberationHarness.Start();
        var id = await h.Begin();
        await h.Stance(id, 1, "policy", "deny", 0.9);
        await h.Until(id, d => d.CurrentStances.Count == 1, "one stance in");

        await h.Harness.Bus.Publish(new RoundOverdue { DeliberationId = id, Round = 1 });

        var next = await h.InRound(id, 2);
        var round = Assert.Single(next.Rounds);
        Assert.True(round.TimedOut);
        Assert.Equal(["coding", "medical"], round.Stances.Where(s => s.Silent).Select(s => s.Participant).Order());
        Assert.NotNull(await h.Requested(id, 2, "medical"));

        await h.Harness.Bus.Publish(new RoundOverdue { DeliberationId = id, Round = 1 });
        Assert.True(await HarnessWaits.Eventually(() =>
            h.Harness.Consumed.Select<RoundOverdue>(x => x.Context.Message.DeliberationId == id, new CancellationToken(true)).Count() == 2));
        var after = await h.InRound(id, 2);
        Assert.Single(after.Rounds);
    }
}
