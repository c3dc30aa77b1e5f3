using System.Diagnostics;
using Agents.Contracts.Incidents;
using Agents.Hosting;
using Agents.Orchestrator.Deliberations;
using Agents.Orchestrator.Incidents;
using MassTransit;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Agents.Orchestrator.Persistence;

/// <summary>
/// Times out awaited steps and keeps incidents in flight moving, on a lease (<see cref="LeasedSweeper"/>: one orchestrator
/// at a time). Every round (<see cref="OrchestratorOptions.OverdueSweepInterval"/>, a second by default):
/// <list type="bullet">
/// <item>finds the awaited steps whose deadline (kept on the incident row) passed more than
/// <see cref="OrchestratorOptions.OverdueGrace"/> ago, earliest first, at most <see cref="BatchSize"/>, and sends the saga
/// <see cref="StepOverdue"/> for each: that is the step's timeout (no message is scheduled per step, so a burst of
/// incidents costs the scheduler nothing and a lost send cannot lose a timeout). The same for deliberation rounds whose
/// scheduled timeout has not come (<see cref="RoundOverdue"/>);</item>
/// <item>after this orchestrator started, until done: resumes a page of the incidents in flight that nothing touched since
/// then (<see cref="ResumeIncident"/>, at most <see cref="OrchestratorOptions.ResumePerSecond"/> a second): a crash
/// between saving an incident and sending its command would lose that command. The saga sends it again under the step's
/// original deadline, or times the step out when the deadline already passed. A second orchestrator starting at the same
/// time finds the incidents the first resumed touched, and leaves them. Paged round by round, so timeouts keep firing
/// while thousands are resumed.</item>
/// </list>
/// </summary>
internal sealed class IncidentRecovery(
    AgentsConnections connections,
    IBus bus,
    IOptions<OrchestratorOptions> options,
    TimeProvider clock,
    ILogger<IncidentRecovery> logger) : LeasedSweeper(connections, clock, logger)
{
    /// <summary>The advisory lock key of the recovery's lease.</summary>
    public const string Lease = "agents.orchestrator.recovery";

    /// <summary>The most overdue steps one round fires; the rest wait for the next round.</summary>
    public const int BatchSize = 500;

    /// <summary>How long before a step or round this orchestrator fired, and that is still overdue, is fired again.</summary>
    public static readonly TimeSpan RefireAfter = TimeSpan.FromMinutes(1);

    private const string RoundKey = "deliberation round";

    // The process's start (the clock is its base class's; a test's fake clock does not matter for this).
    private readonly DateTimeOffset _started = DateTimeOffset.UtcNow;

    // What this orchestrator fired, and when: a step or round still overdue (its StepOverdue not handled yet, e.g. while
    // the orchestrator is far behind) is fired again only once this long has passed, not on every round.
    private readonly Dictionary<(Guid Id, string Step, int Attempt, DateTimeOffset Deadline), DateTimeOffset> _fired = [];
    private readonly string _reason = $"{Environment.MachineName}-{Environment.ProcessId} started";

    // Where the resume after start-up has got to (keyset), and whether it is done.
    private (DateTimeOffset Updated, Guid Id) _resumedUpTo = (DateTimeOffset.MinValue, Guid.Empty);
    private bool _resumed;

    /// <summary>How long past its timeout a deliberation round waits for the scheduled timeout before the sweep fires it.</summary>
    public static readonly TimeSpan RoundGrace = TimeSpan.FromSeconds(10);

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <summary>A step timed out this long or more after its deadline says so in its timeline (an orchestrator was down, or far behind).</summary>
    public static readonly TimeSpan ReportLateAfter = TimeSpan.FromSeconds(10);

    protected override string LeaseName => Lease;

    protected override TimeSpan Interval => options.Value.OverdueSweepInterval;

    protected override bool Enabled => true;

    /// <summary>What the last round did (for tests).</summary>
    internal (int Resumed, int Overdue, int Rounds) Last { get; private set; }

    protected override async Task<string?> SweepAsync(NpgsqlConnection connection, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var dueBefore = Clock.GetUtcNow() - options.Value.OverdueGrace;
        var (overdue, late) = await FireOverdue(connection, dueBefore, cancellationToken);
        // A round's timeout is scheduled (the scheduler sends it when due): the sweep stands in only when it has not come.
        var rounds = await FireOverdueRounds(connection, Clock.GetUtcNow() - Max(options.Value.OverdueGrace, RoundGrace), cancellationToken);
        var resumed = _resumed ? 0 : await ResumePage(connection, dueBefore, cancellationToken);
        Last = (resumed, overdue, rounds);
        // Steps timing out on time are the normal course: said only when something was late or resumed.
        return resumed + late + rounds == 0 ? null
            : $"resumed {resumed} incident(s) in flight at start-up{(_resumed ? " (done)" : "")}; timed out {overdue} step(s), {late} of them "
                + $"{Durations.Format(ReportLateAfter)} or more after their deadline; {rounds} deliberation round(s) past their deadline without their timeout"
                + (overdue == BatchSize || rounds == BatchSize ? $" (the first {BatchSize}; the next round takes the rest)" : "");
    }

    /// <summary>Resumes the next page of the incidents in flight not updated since this orchestrator started (a round's worth of <see cref="OrchestratorOptions.ResumePerSecond"/>).</summary>
    private async Task<int> ResumePage(NpgsqlConnection connection, DateTimeOffset dueBefore, CancellationToken cancellationToken)
    {
        var page = (int)Math.Clamp(options.Value.ResumePerSecond * Interval.TotalSeconds, 1, 100_000);
        await using var select = new NpgsqlCommand("""
            SELECT incident_id, trace_parent, updated_at FROM orchestrator.incidents
            WHERE status <> ALL(@terminal) AND updated_at < @started AND (updated_at, incident_id) > (@afterUpdated, @afterId)
              AND (step_deadline IS NULL OR step_deadline >= @dueBefore)
            ORDER BY updated_at, incident_id LIMIT @page
            """, connection);
        select.Parameters.AddWithValue("terminal", IncidentStatuses.Terminal.ToArray());
        select.Parameters.AddWithValue("started", _started);
        // A step past its deadline (by the grace) is the sweep's to time out, this round, not to send again.
        select.Parameters.AddWithValue("dueBefore", dueBefore);
        select.Parameters.AddWithValue("afterUpdated", _resumedUpTo.Updated);
        select.Parameters.AddWithValue("afterId", _resumedUpTo.Id);
        select.Parameters.AddWithValue("page", page);
        var batch = new List<(Guid Id, string? TraceParent, DateTimeOffset Updated)>();
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                batch.Add((reader.GetGuid(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2)));
            }
        }

        foreach (var (id, traceParent, updated) in batch)
        {
            // The resume and what it sends again belong to the incident's trace.
            using var activity = AgentsTelemetry.ActivitySource.StartActivity("resume incident", ActivityKind.Producer, traceParent)
                .TagIncident(id, null);
            await bus.Publish(new ResumeIncident { IncidentId = id, Reason = _reason }, cancellationToken);
            // Past this one only once it is sent: a round that fails halfway (the broker gone) resumes the rest next time.
            _resumedUpTo = (updated, id);
        }

        _resumed = batch.Count < page;
        return batch.Count;
    }

    /// <summary>
    /// Sends <see cref="StepOverdue"/> for the awaited steps whose deadline is before <paramref name="dueBefore"/>; answers
    /// how many, and how many of them were <see cref="ReportLateAfter"/> or more late.
    /// </summary>
    private async Task<(int Fired, int Late)> FireOverdue(NpgsqlConnection connection, DateTimeOffset dueBefore, CancellationToken cancellationToken)
    {
        await using var select = new NpgsqlCommand("""
            SELECT incident_id, current_step, step_attempt, step_deadline, trace_parent FROM orchestrator.incidents
            WHERE step_deadline < @dueBefore AND status <> ALL(@terminal) ORDER BY step_deadline LIMIT @batch
            """, connection);
        select.Parameters.AddWithValue("dueBefore", dueBefore);
        // An incident ended outside the saga's routing (an operator's resolve) may keep its last deadline: never fired.
        select.Parameters.AddWithValue("terminal", IncidentStatuses.Terminal.ToArray());
        select.Parameters.AddWithValue("batch", BatchSize);
        var overdue = new List<(Guid Id, string Step, int Attempt, DateTimeOffset Deadline, string? TraceParent)>();
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                overdue.Add((reader.GetGuid(0), reader.GetString(1), reader.GetInt32(2), reader.GetFieldValue<DateTimeOffset>(3),
                    reader.IsDBNull(4) ? null : reader.GetString(4)));
            }
        }

        var now = Clock.GetUtcNow();
        var again = now - RefireAfter;
        foreach (var stale in _fired.Where(f => f.Value < again).Select(f => f.Key).ToList())
        {
            _fired.Remove(stale);
        }

        // A step fired and still overdue (its StepOverdue not handled yet, e.g. while the orchestrator is far behind) is
        // fired again only once RefireAfter has passed, not on every round.
        overdue = overdue.Where(o => !_fired.ContainsKey((o.Id, o.Step, o.Attempt, o.Deadline))).ToList();
        var late = 0;
        foreach (var (id, step, attempt, deadline, traceParent) in overdue)
        {
            _fired[(id, step, attempt, deadline)] = now;
            var after = now - deadline;
            string? reason = null;
            if (after >= ReportLateAfter)
            {
                late++;
                reason = $"fired {Durations.Format(after)} after it, by the overdue sweep";
            }

            using var activity = AgentsTelemetry.ActivitySource.StartActivity("step overdue", ActivityKind.Producer, traceParent)
                .TagIncident(id, null);
            await bus.Publish(new StepOverdue { IncidentId = id, Step = step, Attempt = attempt, Deadline = deadline, Reason = reason ?? "" }, cancellationToken);
        }

        return (overdue.Count, late);
    }

    /// <summary>Sends <see cref="RoundOverdue"/> for deliberation rounds whose timeout was due before <paramref name="dueBefore"/>.</summary>
    private async Task<int> FireOverdueRounds(NpgsqlConnection connection, DateTimeOffset dueBefore, CancellationToken cancellationToken)
    {
        await using var select = new NpgsqlCommand("""
            SELECT deliberation_id, round FROM orchestrator.deliberations
            WHERE status = 'Deliberating' AND round_started_at + round_timeout < @dueBefore
            ORDER BY round_started_at + round_timeout LIMIT @batch
            """, connection);
        select.Parameters.AddWithValue("dueBefore", dueBefore);
        select.Parameters.AddWithValue("batch", BatchSize);
        var overdue = new List<(Guid Id, int Round)>();
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                overdue.Add((reader.GetGuid(0), reader.GetInt32(1)));
            }
        }

        var now = Clock.GetUtcNow();
        overdue = overdue.Where(o => !(_fired.TryGetValue((o.Id, RoundKey, o.Round, default), out var at) && at >= now - RefireAfter)).ToList();
        foreach (var (id, round) in overdue)
        {
            _fired[(id, RoundKey, round, default)] = now;
            await bus.Publish(new RoundOverdue { DeliberationId = id, Round = round }, cancellationToken);
        }

        return overdue.Count;
    }
}
