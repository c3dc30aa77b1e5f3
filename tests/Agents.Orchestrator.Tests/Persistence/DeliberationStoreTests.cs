using System.Text.Json;
using Agents.Contracts;
using Agents.Contracts.Deliberation;
using Agents.Orchestrator.Deliberations;
using Microsoft.EntityFrameworkCore;

namespace Agents.Orchestrator.Tests.Persistence;

/// <summary>The deliberation row on the real PostgreSQL (migrated with every migration, Deliberations included).</summary>
public sealed class DeliberationStoreTests(StoreDatabase database) : IClassFixture<StoreDatabase>
{
    private static readonly DateTimeOffset Start = new(2026, 12, 2, 9, 30, 0, 250, TimeSpan.Zero);

    [Fact]
    public async Task A_deliberation_with_its_rounds_survives_a_round_trip_and_a_stale_copy_cannot_overwrite_it()
    {
        var stances = new List<Stance>
        {
            new() { Participant = "policy", Decision = "pay", Reason = "covered", Confidence = 0.9 },
            new() { Participant = "coding", Silent = true, Note = "no answer within 30s" },
        };
        var deliberation = new DeliberationState
        {
            CorrelationId = Guid.NewGuid(),
            CurrentState = "Deliberating",
            Kind = "claim-adjudication",
            Summary = "claim CLM-1",
            Subject = JsonSerializer.SerializeToElement(new { claimId = "CLM-1", amount = 180.5 }),
            RequestedBy = new Uri("queue:claims-intake"),
            Participants = ["policy", "coding"],
            Threshold = 2,
            MaxRounds = 5,
            RoundTimeout = TimeSpan.FromSeconds(30),
            Decisions = ["pay", "deny"],
            Round = 2,
            RoundStartedAt = Start.AddSeconds(30),
            CurrentStances = [stances[0]],
            Rounds = [new DeliberationRound { Round = 1, Stances = stances, TimedOut = true, StartedAt = Start, EndedAt = Start.AddSeconds(30) }],
            Ignored = [new IgnoredStance { At = Start, Round = 1, Participant = "billing", Decision = "pay", Why = "not a participant" }],
            Tokens = new TokenUsage { InputTokens = 10, OutputTokens = 5 },
            CreatedAt = Start,
            UpdatedAt = Start.AddSeconds(30),
            RoundTimeoutTokenId = Guid.NewGuid(),
            TimeoutRound = 2,
        };
        await using (var db = database.NewContext())
        {
            db.Deliberations.Add(deliberation);
            await db.SaveChangesAsync();
        }

        await using var check = database.NewContext();
        var loaded = await check.Deliberations.AsNoTracking().SingleAsync(d => d.CorrelationId == deliberation.CorrelationId);

        Assert.Equal(("claim-adjudication", "Deliberating", 2, 2), (loaded.Kind, loaded.CurrentState, loaded.Round, loaded.TimeoutRound));
        Assert.Equal("CLM-1", loaded.Subject.GetProperty("claimId").GetString());
        Assert.Equal(new Uri("queue:claims-intake"), loaded.RequestedBy);
        Assert.Equal(deliberation.Participants, loaded.Participants);
        Assert.Equal(deliberation.Decisions, loaded.Decisions);
        Assert.Equal(TimeSpan.FromSeconds(30), loaded.RoundTimeout);
        Assert.Equal(stances, Assert.Single(loaded.Rounds).Stances);
        Assert.Equal(deliberation.Rounds[0] with { Stances = loaded.Rounds[0].Stances }, loaded.Rounds[0]);
        Assert.Equal(deliberation.CurrentStances, loaded.CurrentStances);
        Assert.Equal(deliberation.Ignored, loaded.Ignored);
        Assert.Equal(deliberation.Tokens, loaded.Tokens);
        Assert.Equal(deliberation.RoundTimeoutTokenId, loaded.RoundTimeoutTokenId);
        Assert.NotEqual(0u, loaded.RowVersion);

        await using var first = database.NewContext();
        await using var second = database.NewContext();
        var a = await first.Deliberations.SingleAsync(d => d.CorrelationId == deliberation.CorrelationId);
        var b = await second.Deliberations.SingleAsync(d => d.CorrelationId == deliberation.CorrelationId);
        a.CurrentStances = [];
        a.Decision = "pay";
        await first.SaveChangesAsync();
        b.Round = 3;
        await Assert.ThrowsAsync<DbUpdateConcurrencyException>(() => second.SaveChangesAsync());
    }
}
