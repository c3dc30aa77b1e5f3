using System.Data.Common;
using Agents.Contracts;
using Agents.Contracts.Incidents;
using Agents.Contracts.Notification;
using Agents.Contracts.Remediation;
using Agents.Orchestrator.Incidents;
using Agents.Orchestrator.Persistence;
using Agents.Orchestrator.Tests.Incidents;
using Agents.SagaRepository;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace Agents.Orchestrator.Tests.Persistence;

/// <summary>The incident row on the real PostgreSQL: segments survive the round trip, the indexes hold.</summary>
public sealed class IncidentDbContextTests(StoreDatabase database) : IClassFixture<StoreDatabase>
{
    [Fact]
    public async Task Every_segment_and_the_timeline_survive_a_round_trip()
    {
        var incident = Incident("fp-roundtrip");
        incident.Triage = Samples.Triage();
        incident.Context = Samples.Context();
        incident.Hypothesis = Samples.Hypothesis();
        incident.Remediation = Samples.Remediation();
        incident.Notifications = [Samples.Notification(NotificationKinds.Resolution)];
        incident.Timeline =
        [
            new TimelineEntry { At = Samples.AlertTime, Step = IncidentSteps.Intake, Attempt = 1, Event = "alert received", Detail = "d" },
            new TimelineEntry { At = Samples.AlertTime.AddSeconds(1), Step = IncidentSteps.Triage, Attempt = 1, Event = "dispatched" },
        ];
        incident.Revisions =
        [
            new SegmentRevision
            {
                Segment = IncidentSegments.Hypothesis, Version = 1, At = Samples.AlertTime, Step = IncidentSteps.Investigation, Attempt = 2,
                Change = "written", Value = System.Text.Json.JsonSerializer.SerializeToElement(incident.Hypothesis),
            },
        ];
        await Save(incident);

        await using var db = database.NewContext();
        var loaded = await db.Incidents.AsNoTracking().SingleAsync(i => i.CorrelationId == incident.CorrelationId);

        Assert.Equal(incident.Alert, loaded.Alert with { Labels = incident.Alert.Labels, Annotations = incident.Alert.Annotations });
        Assert.Equal(incident.Alert.Labels, loaded.Alert.Labels);
        Assert.Equal(incident.Triage, loaded.Triage);
        Assert.Equal(incident.Context.RecentDeploys, loaded.Context!.RecentDeploys);
        Assert.Equal(incident.Context.Metrics, loaded.Context.Metrics);
        Assert.Equal(incident.Hypothesis.Evidence, loaded.Hypothesis!.Evidence);
        Assert.Equal(incident.Remediation.Steps, loaded.Remediation!.Steps);
        Assert.Equal(incident.Remediation.Parameters, loaded.Remediation.Parameters);
        Assert.Equal(incident.Notifications.Single().Title, Assert.Single(loaded.Notifications).Title);
        Assert.Equal(incident.Timeline, loaded.Timeline);
        var revision = Assert.Single(loaded.Revisions);
        Assert.Equal((IncidentSegments.Hypothesis, 1, 2), (revision.Segment, revision.Version, revision.Attempt));
        Assert.Equal("v7.4.2", revision.Value!.Value.GetProperty("SuspectVersion").GetString());
        Assert.Equal(incident.CreatedAt, loaded.CreatedAt);
        Assert.NotEqual(0u, loaded.RowVersion);
    }

    [Fact]
    public async Task The_remediation_attempts_the_verification_and_a_human_approval_plan_survive_a_round_trip()
    {
        var incident = Incident("fp-remediation-roundtrip");
        incident.Remediation = Samples.Executed();
        incident.RemediationAttempts = 3;
        incident.Verification = new RemediationVerificationRecord
        {
            Spec = Samples.ErrorRatio,
            ExecutedAt = new DateTimeOffset(2026, 11, 24, 2, 20, 1, 250, TimeSpan.Zero),
            StartedAt = new DateTimeOffset(2026, 11, 24, 2, 20, 2, 0, TimeSpan.Zero),
            Deadline = new DateTimeOffset(2026, 11, 24, 2, 30, 2, 0, TimeSpan.Zero),
            Status = VerificationStatuses.Pending,
            Checks = 2,
            Detail = "error ratio max 0.21, not below 0.01",
            Value = 0.21,
        };
        var plan = IncidentStateMachine.Sealed(new RemediationApprovalPlan
        {
            ActionId = "rollback",
            Description = "Roll back to the last good version",
            Parameters = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["service"] = "auth-service", ["to_version"] = "v7.4.1" },
            Target = "kubernetes prod/auth-service deployment/auth-service",
            Steps = ["would: roll back auth-service to v7.4.1"],
            Rationale = "regression with a known last good version",
            Hypothesis = "regression (0.90): Regression introduced by deploy v7.4.2 of auth-service",
            Evidence = ["{\"kind\":\"deploy\"}"],
            Choices = Samples.Choices,
            Deadline = new DateTimeOffset(2026, 11, 24, 2, 35, 0, 123, TimeSpan.Zero),
            Hash = "",
        });
        incident.Approval = new RemediationApprovalRecord
        {
            DeliberationId = Guid.Empty, Kind = IncidentStateMachine.HumanApprovalKind, Request = 1, Status = RemediationApprovalStatuses.Approved,
            RequestedAt = new DateTimeOffset(2026, 11, 24, 2, 20, 0, 123, TimeSpan.Zero), Timeout = TimeSpan.FromMinutes(15), Plan = plan,
            ApprovedParameters = new Dictionary<string, string> { ["service"] = "auth-service", ["to_version"] = "v7.4.0" },
            Changes = ["to_version: v7.4.1 → v7.4.0"], DecidedBy = "oidc:alice@example.com", ExecutionAttempt = 3,
        };
        await Save(incident);

        await using var db = database.NewContext();
        var loaded = await db.Incidents.AsNoTracking().SingleAsync(i => i.CorrelationId == incident.CorrelationId);

        Assert.Equal(3, loaded.RemediationAttempts);
        Assert.Equivalent(incident.Verification, loaded.Verification, strict: true);
        Assert.Equivalent(incident.Remediation, loaded.Remediation, strict: true);
        Assert.Equivalent(incident.Approval, loaded.Approval, strict: true);
        // After a restart the request is still the one hashed: an approver naming its hash approves what runs.
        Assert.Equal(plan.Hash, IncidentStateMachine.Sealed(loaded.Approval!.Plan! with { Hash = "" }).Hash);
    }

    [Fact]
    public async Task A_replaced_segment_is_saved()
    {
        var incident = Incident("fp-update");
        await Save(incident);

        await using (var db = database.NewContext())
        {
            var tracked = await db.Incidents.SingleAsync(i => i.CorrelationId == incident.CorrelationId);
            tracked.Timeline = [.. tracked.Timeline, new TimelineEntry { At = Samples.AlertTime, Step = "triage", Attempt = 2, Event = "step failed" }];
            tracked.Triage = Samples.Triage();
            await db.SaveChangesAsync();
        }

        await using var check = database.NewContext();
        var loaded = await check.Incidents.AsNoTracking().SingleAsync(i => i.CorrelationId == incident.CorrelationId);
        Assert.Equal("step failed", Assert.Single(loaded.Timeline).Event);
        Assert.NotNull(loaded.Triage);
    }

    [Fact]
    public async Task Two_open_incidents_cannot_share_a_fingerprint_but_a_closed_one_can()
    {
        await Save(Incident("fp-unique"));
        var closed = Incident("fp-unique");
        closed.IsOpen = false;
        await Save(closed);

        var duplicate = await Assert.ThrowsAsync<DbUpdateException>(() => Save(Incident("fp-unique")));

        Assert.Equal(PostgresErrorCodes.UniqueViolation, Assert.IsType<PostgresException>(duplicate.InnerException).SqlState);
    }

    [Fact]
    public async Task A_stale_copy_cannot_overwrite_a_newer_one()
    {
        var incident = Incident("fp-concurrency");
        await Save(incident);

        await using var first = database.NewContext();
        await using var second = database.NewContext();
        var a = await first.Incidents.SingleAsync(i => i.CorrelationId == incident.CorrelationId);
        var b = await second.Incidents.SingleAsync(i => i.CorrelationId == incident.CorrelationId);
        a.AlertCount = 2;
        await first.SaveChangesAsync();
        b.AlertCount = 3;

        await Assert.ThrowsAsync<DbUpdateConcurrencyException>(() => second.SaveChangesAsync());
    }

    [Fact]
    public async Task The_list_repository_answers_the_newest_matching_page_with_one_query()
    {
        // A history of its own (a state no other test uses): 40 incidents a minute apart, every other one matching.
        var state = $"Listed-{Guid.NewGuid():N}"[..20];
        var start = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
        var history = Enumerable.Range(0, 40).Select(i =>
        {
            var incident = Incident($"fp-list-{Guid.NewGuid():N}");
            incident.CurrentState = i % 2 == 0 ? state : state + "-other";
            incident.CreatedAt = start.AddMinutes(i);
            return incident;
        }).ToList();
        await using (var db = database.NewContext())
        {
            db.Incidents.AddRange(history.OrderBy(_ => Guid.NewGuid())); // stored out of order
            await db.SaveChangesAsync();
        }

        var commands = new CommandCounter();
        var list = new EntityFrameworkListSagaRepository<IncidentState, IncidentDbContext>(new ContextFactory(database.ConnectionString, commands));
        var page = await list.Newest(i => i.CurrentState == state, i => i.CreatedAt, 5, CancellationToken.None);

        Assert.Equal([38, 36, 34, 32, 30], page.Select(i => (int)(i.CreatedAt - start).TotalMinutes));
        Assert.All(page, i => Assert.Equal(history.Single(h => h.CorrelationId == i.CorrelationId).Fingerprint, i.Fingerprint));
        Assert.Equal(1, commands.Count);
    }

    [Fact]
    public async Task A_list_reads_only_the_summary_columns_and_summarises_as_the_whole_incident_would()
    {
        var incident = Incident($"fp-summary-{Guid.NewGuid():N}");
        incident.Triage = Samples.Triage();
        incident.Context = Samples.Context();
        incident.Hypothesis = Samples.Hypothesis();
        incident.AlertCount = 7;
        incident.AcknowledgedBy = "alice";
        incident.AcknowledgedAt = incident.CreatedAt.AddMinutes(3);
        incident.UpdatedAt = incident.CreatedAt.AddMinutes(4);
        incident.Timeline = [new TimelineEntry { At = Samples.AlertTime, Step = IncidentSteps.Intake, Attempt = 1, Event = "alert received" }];
        await Save(incident);

        var commands = new CommandCounter();
        var list = new EntityFrameworkListSagaRepository<IncidentState, IncidentDbContext>(new ContextFactory(database.ConnectionString, commands));
        var page = await list.Newest(i => i.CorrelationId == incident.CorrelationId, i => i.CreatedAt, 5, CancellationToken.None,
            Agents.Orchestrator.Queries.IncidentViews.SummaryColumns);

        var projected = Assert.Single(page);
        Assert.Equal(Agents.Orchestrator.Queries.IncidentViews.Summary(incident), Agents.Orchestrator.Queries.IncidentViews.Summary(projected));
        var sql = Assert.Single(commands.Texts);
        foreach (var column in new[] { "timeline", "revisions", "context", "hypothesis", "workflow" })
        {
            Assert.DoesNotMatch($@"\b{column}\b", sql); // column names are lower case, the aliases EF gives them are not
        }

        Assert.Matches(@"\btriage\b", sql);
    }

    private sealed class CommandCounter : DbCommandInterceptor
    {
        public int Count;

        public readonly System.Collections.Concurrent.ConcurrentQueue<string> Texts = new();

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
            DbCommand command, CommandEventData eventData,
            InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref Count);
            Texts.Enqueue(command.CommandText);
            return base.ReaderExecutingAsync(command, eventData, result, cancellationToken);
        }
    }

    private sealed class ContextFactory(string connectionString, CommandCounter commands) : IDbContextFactory<IncidentDbContext>
    {
        public IncidentDbContext CreateDbContext() =>
            new(new DbContextOptionsBuilder<IncidentDbContext>().UseNpgsql(connectionString, IncidentStore.Configure).AddInterceptors(commands).Options);
    }

    private async Task Save(IncidentState incident)
    {
        await using var db = database.NewContext();
        db.Incidents.Add(incident);
        await db.SaveChangesAsync();
    }

    private static IncidentState Incident(string fingerprint) => new()
    {
        CorrelationId = Guid.NewGuid(),
        CurrentState = IncidentStatuses.Triaging,
        Fingerprint = fingerprint,
        IsOpen = true,
        AlertCount = 1,
        Alert = Samples.Alert(fingerprint) with
        {
            Labels = new Dictionary<string, string> { ["service"] = "auth-service", ["severity"] = "critical" },
        },
        CreatedAt = new DateTimeOffset(2026, 11, 24, 2, 13, 5, 123, TimeSpan.Zero),
        UpdatedAt = new DateTimeOffset(2026, 11, 24, 2, 13, 5, 123, TimeSpan.Zero),
        CurrentStep = IncidentSteps.Triage,
        StepAttempt = 1,
        StepStartedAt = new DateTimeOffset(2026, 11, 24, 2, 13, 5, 123, TimeSpan.Zero),
    };
}
