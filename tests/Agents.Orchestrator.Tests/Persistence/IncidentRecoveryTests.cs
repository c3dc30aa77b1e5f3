using System.Text.Json;
using Agents.Contracts;
using Agents.Contracts.Incidents;
using Agents.Hosting;
using Agents.Orchestrator.Deliberations;
using Agents.Orchestrator.Incidents;
using Agents.Orchestrator.Persistence;
using Agents.Orchestrator.Tests.Incidents;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Agents.Orchestrator.Tests.Persistence;

/// <summary>The recovery sweep (resume at start-up, overdue steps and rounds) on the real PostgreSQL with the migrations applied.</summary>
public sealed class IncidentRecoveryTests : IAsyncLifetime
{
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(10);
    private static readonly CancellationToken HeldNow = new(canceled: true);
    private readonly StoreDatabase _store = new();
    private ServiceProvider _provider = null!;
    private ITestHarness _harness = null!;

    public async Task InitializeAsync()
    {
        await _store.InitializeAsync();
        _provider = new ServiceCollection().AddMassTransitTestHarness().BuildServiceProvider(true);
        _harness = _provider.GetRequiredService<ITestHarness>();
        await _harness.Start();
    }

    public async Task DisposeAsync()
    {
        await _provider.DisposeAsync();
        await _store.DisposeAsync();
    }

    [Fact]
    public async Task Resumes_what_was_in_flight_once_and_times_out_only_steps_and_rounds_past_their_deadline_by_the_grace()
    {
        var now = DateTimeOffset.UtcNow;
        var overdue = Incident(IncidentStatuses.Investigating, IncidentSteps.Investigation, 2, now.AddMinutes(-1));
        var due = Incident(IncidentStatuses.Triaging, IncidentSteps.Triage, 1, now.AddSeconds(20));
        var withinGrace = Incident(IncidentStatuses.CollectingContext, IncidentSteps.Context, 1, now.AddSeconds(-3));
        var ended = Incident(IncidentStatuses.Resolved, IncidentSteps.Notification, 1, null);
        var lateRound = Deliberation("Deliberating", roundStarted: now.AddMinutes(-5));
        var currentRound = Deliberation("Deliberating", roundStarted: now);
        var decided = Deliberation("Decided", roundStarted: now.AddHours(-1));
        await using (var db = _store.NewContext())
        {
            db.AddRange(overdue, due, withinGrace, ended);
            db.AddRange(lateRound, currentRound, decided);
            await db.SaveChangesAsync();
        }

        var recovery = Recovery();
        Assert.True(await recovery.RunOnceAsync(CancellationToken.None));

        // The step past its deadline is timed out, not resumed (resuming it would only time it out again).
        Assert.Equal((2, 1, 1), recovery.Last);
        Assert.Equal(new[] { due.CorrelationId, withinGrace.CorrelationId }.Order(),
            _harness.Published.Select<ResumeIncident>(HeldNow).Select(p => p.Context.Message.IncidentId).Order());
        var step = Assert.Single(_harness.Published.Select<StepOverdue>(HeldNow)).Context.Message;
        Assert.Equal((overdue.CorrelationId, IncidentSteps.Investigation, 2), (step.IncidentId, step.Step, step.Attempt));
        Assert.Equal(overdue.StepDeadline!.Value.ToUnixTimeMilliseconds(), step.Deadline!.Value.ToUnixTimeMilliseconds());
        Assert.Matches("^fired 1m( [0-9]+s)? after it, by the overdue sweep$", step.Reason);
        var round = Assert.Single(_harness.Published.Select<RoundOverdue>(HeldNow)).Context.Message;
        Assert.Equal((lateRound.CorrelationId, 1), (round.DeliberationId, round.Round));

        // The resume is for start-up only; the step and round still overdue (nobody consumed the messages here) are not fired
        // again on every round, only after IncidentRecovery.RefireAfter; another orchestrator taking the lease fires them.
        Assert.True(await recovery.RunOnceAsync(CancellationToken.None));
        Assert.Equal((0, 0, 0), recovery.Last);
        var next = Recovery();
        Assert.True(await next.RunOnceAsync(CancellationToken.None));
        Assert.Equal((2, 1, 1), next.Last);
    }

    [Fact]
    public async Task The_resume_is_paged_round_by_round_so_timeouts_keep_firing_meanwhile()
    {
        var now = DateTimeOffset.UtcNow;
        var inFlight = Enumerable.Range(0, 3).Select(_ => Incident(IncidentStatuses.Triaging, IncidentSteps.Triage, 1, now.AddMinutes(5))).ToList();
        await using (var db = _store.NewContext())
        {
            db.AddRange(inFlight);
            await db.SaveChangesAsync();
        }

        // One incident a second, one round a second: a page of one each round.
        var recovery = Recovery(resumePerSecond: 1);
        var resumed = new List<int>();
        var pending = Guid.Empty;
        for (var round = 0; round < 4; round++)
        {
            Assert.True(await recovery.RunOnceAsync(CancellationToken.None));
            resumed.Add(recovery.Last.Resumed);
            if (round == 1)
            {
                // The step of the one not resumed yet falls due while the resume is still going: the next round times it out.
                var resumedIds = _harness.Published.Select<ResumeIncident>(HeldNow).Select(p => p.Context.Message.IncidentId).ToHashSet();
                pending = inFlight.Single(i => !resumedIds.Contains(i.CorrelationId)).CorrelationId;
                await using var connection = new NpgsqlConnection(_store.ConnectionString);
                await connection.OpenAsync();
                await using var due = new NpgsqlCommand(
                    $"UPDATE orchestrator.incidents SET step_deadline = now() - interval '1 minute' WHERE incident_id = '{pending}'", connection);
                Assert.Equal(1, await due.ExecuteNonQueryAsync());
            }
        }

        Assert.Equal([1, 1, 0, 0], resumed);
        Assert.Equal(pending, Assert.Single(_harness.Published.Select<StepOverdue>(HeldNow)).Context.Message.IncidentId);
    }

    [Fact]
    public async Task One_orchestrator_recovers_at_a_time_and_a_later_starter_leaves_what_the_first_resumed()
    {
        var started = DateTimeOffset.UtcNow;
        var inFlight = Incident(IncidentStatuses.Triaging, IncidentSteps.Triage, 1, started.AddSeconds(20));
        await using (var db = _store.NewContext())
        {
            db.Add(inFlight);
            await db.SaveChangesAsync();
        }

        Assert.False(await _store.RunWhileLeaseHeld(Recovery(), IncidentRecovery.Lease));

        var first = Recovery();
        // The second orchestrator started after the first: what the first resumed was touched (the saga recorded the
        // resume) after the second started, so the second resumes nothing.
        var second = Recovery();
        Assert.True(await first.RunOnceAsync(CancellationToken.None));
        Assert.Equal(1, first.Last.Resumed);
        await using (var connection = new NpgsqlConnection(_store.ConnectionString))
        {
            await connection.OpenAsync();
            await using var touch = new NpgsqlCommand($"UPDATE orchestrator.incidents SET updated_at = now() WHERE incident_id = '{inFlight.CorrelationId}'", connection);
            Assert.Equal(1, await touch.ExecuteNonQueryAsync());
        }

        Assert.True(await second.RunOnceAsync(CancellationToken.None));
        Assert.Equal((0, 0, 0), second.Last);
    }

    private IncidentRecovery Recovery(int resumePerSecond = 1000) => new(
        new AgentsConnections { RabbitMqUrl = new Uri(AgentsConnections.DefaultRabbitMqUrl), RabbitMqVirtualHost = "/", PostgresConnection = _store.ConnectionString },
        _harness.Bus,
        Options.Create(new OrchestratorOptions { OverdueGrace = Grace, ResumePerSecond = resumePerSecond }),
        TimeProvider.System,
        NullLogger<IncidentRecovery>.Instance);

    private static IncidentState Incident(string status, string step, int attempt, DateTimeOffset? deadline)
    {
        var fingerprint = $"fp-{Guid.NewGuid():N}";
        var started = DateTimeOffset.UtcNow.AddMinutes(-2);
        return new IncidentState
        {
            CorrelationId = Guid.NewGuid(),
            CurrentState = status,
            Fingerprint = fingerprint,
            IsOpen = status != IncidentStatuses.Resolved,
            AlertCount = 1,
            Alert = Samples.Alert(fingerprint),
            CreatedAt = started,
            UpdatedAt = started,
            CurrentStep = step,
            StepAttempt = attempt,
            StepStartedAt = started,
            StepDeadline = deadline,
        };
    }

    private static DeliberationState Deliberation(string status, DateTimeOffset roundStarted) => new()
    {
        CorrelationId = Guid.NewGuid(),
        CurrentState = status,
        Kind = "claim-adjudication",
        Summary = "claim",
        Subject = JsonDocument.Parse("{}").RootElement.Clone(),
        Participants = ["policy"],
        Threshold = 1,
        MaxRounds = 2,
        Round = 1,
        RoundStartedAt = roundStarted,
        RoundTimeout = TimeSpan.FromSeconds(30),
        CreatedAt = roundStarted,
        UpdatedAt = roundStarted,
    };
}
