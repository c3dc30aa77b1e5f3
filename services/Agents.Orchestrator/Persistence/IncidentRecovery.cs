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
/// Keeps incidents in flight moving when a send was lost, on a lease (<see cref="LeasedSweeper"/>: one orchestrator at a time).
/// <list type="bullet">
/// <item>Its first round after this orchestrator started resumes every incident in flight that nothing touched since then
/// (<see cref="ResumeIncident"/>, paced at <see cref="OrchestratorOptions.ResumePerSecond"/>): a crash between saving an
/// incident and sending its command would lose that command. The saga sends it again under the step's original deadline,
/// or times the step out when the deadline already passed. A second orchestrator starting at the same time finds the
/// incidents the first resumed touched, and leaves them.</item>
/// <item>Every round (<see cref="OrchestratorOptions.OverdueSweepInterval"/>) finds the awaited steps whose deadline passed
/// more than <see cref="OrchestratorOptions.OverdueGrace"/> ago, earliest first, at most <see cref="BatchSize"/>, and sends
/// the saga <see cref="StepOverdue"/> for each: the timeout that should have come (lost with its command, or the scheduler
/// far behind). A timeout that does arrive later is ignored as stale. The same for deliberation rounds
/// (<see cref="RoundOverdue"/>).</item>
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
    private readonly Dictionary<(Guid Id, string Step, int Attempt), DateTimeOffset> _fired = [];
    private readonly string _reason = $"{Environment.MachineName}-{Environment.ProcessId} started";
    private bool _resumed;

    protected override string LeaseName => Lease;

    protected override TimeSpan Interval => options.Value.OverdueSweepInterval;

    protected override bool Enabled => true;

    /// <summary>What the last round did (for tests).</summary>
    internal (int Resumed, int Overdue, int Rounds) Last { get; private set; }

    protected override async Task<string?> SweepAsync(NpgsqlConnection connection, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var resumed = 0;
        if (!_resumed)
        {
            resumed = await Resume(connection, cancellationToken);
            _resumed = true;
        }

        var dueBefore = Clock.GetUtcNow() - options.Value.OverdueGrace;
        var overdue = await FireOverdue(connection, dueBefore, cancellationToken);
        var rounds = await FireOverdueRounds(connection, dueBefore, cancellationToken);
        Last = (resumed, overdue, rounds);
        return resumed + overdue + rounds == 0 ? null
            : $"resumed {resumed} incident(s) in flight at start-up; {overdue} step(s) and {rounds} deliberation round(s) past their "
                + $"deadline by more than {Durations.Format(options.Value.OverdueGrace)} without their timeout timed out"
                + (overdue == BatchSize || rounds == BatchSize ? $" (the first {BatchSize}; the next round takes the rest)" : "");
    }

    /// <summary>Resumes, in pages and paced, the incidents in flight not updated since this orchestrator started.</summary>
    private async Task<int> Resume(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var perSecond = options.Value.ResumePerSecond;
        var page = Math.Min(perSecond, BatchSize);
        var (afterUpdated, afterId, total) = (DateTimeOffset.MinValue, Guid.Empty, 0);
        var pace = Stopwatch.StartNew();
        while (true)
        {
            await using var select = new NpgsqlCommand("""
                SELECT incident_id, trace_parent, updated_at FROM orchestrator.incidents
                WHERE status <> ALL(@terminal) AND updated_at < @started AND (updated_at, incident_id) > (@afterUpdated, @afterId)
                ORDER BY updated_at, incident_id LIMIT @page
                """, connection);
            select.Parameters.AddWithValue("terminal", IncidentStatuses.Terminal.ToArray());
            select.Parameters.AddWithValue("started", _started);
            select.Parameters.AddWithValue("afterUpdated", afterUpdated);
            select.Parameters.AddWithValue("afterId", afterId);
            select.Parameters.AddWithValue("page", page);
            var batch = new List<(Guid Id, string? TraceParent)>();
            await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    batch.Add((reader.GetGuid(0), reader.IsDBNull(1) ? null : reader.GetString(1)));
                    (afterUpdated, afterId) = (reader.GetFieldValue<DateTimeOffset>(2), reader.GetGuid(0));
                }
            }

            foreach (var (id, traceParent) in batch)
            {
                // The resume and what it sends again belong to the incident's trace.
                using var activity = AgentsTelemetry.ActivitySource.StartActivity("resume incident", ActivityKind.Producer, traceParent)
                    .TagIncident(id, null);
                await bus.Publish(new ResumeIncident { IncidentId = id, Reason = _reason }, cancellationToken);
            }

            total += batch.Count;
            if (batch.Count < page)
            {
                return total;
            }

            // Paced: no faster than ResumePerSecond on average.
            var due = TimeSpan.FromSeconds((double)total / perSecond) - pace.Elapsed;
            if (due > TimeSpan.Zero)
            {
                await Task.Delay(due, Clock, cancellationToken);
            }
        }
    }

    /// <summary>Sends <see cref="StepOverdue"/> for the awaited steps whose deadline is before <paramref name="dueBefore"/>.</summary>
    private async Task<int> FireOverdue(NpgsqlConnection connection, DateTimeOffset dueBefore, CancellationToken cancellationToken)
    {
        await using var select = new NpgsqlCommand("""
            SELECT incident_id, current_step, step_attempt, trace_parent FROM orchestrator.incidents
            WHERE step_deadline < @dueBefore AND status <> ALL(@terminal) ORDER BY step_deadline LIMIT @batch
            """, connection);
        select.Parameters.AddWithValue("dueBefore", dueBefore);
        // An incident ended outside the saga's routing (an operator's resolve) may keep its last deadline: never fired.
        select.Parameters.AddWithValue("terminal", IncidentStatuses.Terminal.ToArray());
        select.Parameters.AddWithValue("batch", BatchSize);
        var overdue = new List<(Guid Id, string Step, int Attempt, string? TraceParent)>();
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                overdue.Add((reader.GetGuid(0), reader.GetString(1), reader.GetInt32(2), reader.IsDBNull(3) ? null : reader.GetString(3)));
            }
        }

        var reason = $"its timeout had not arrived {Durations.Format(options.Value.OverdueGrace)} after it: fired by the overdue sweep";
        var now = Clock.GetUtcNow();
        var again = now - RefireAfter;
        foreach (var stale in _fired.Where(f => f.Value < again).Select(f => f.Key).ToList())
        {
            _fired.Remove(stale);
        }

        overdue = overdue.Where(o => !_fired.ContainsKey((o.Id, o.Step, o.Attempt))).ToList();
        foreach (var (id, step, attempt, traceParent) in overdue)
        {
            _fired[(id, step, attempt)] = now;
            using var activity = AgentsTelemetry.ActivitySource.StartActivity("step overdue", ActivityKind.Producer, traceParent)
                .TagIncident(id, null);
            await bus.Publish(new StepOverdue { IncidentId = id, Step = step, Attempt = attempt, Reason = reason }, cancellationToken);
        }

        return overdue.Count;
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
        overdue = overdue.Where(o => !(_fired.TryGetValue((o.Id, RoundKey, o.Round), out var at) && at >= now - RefireAfter)).ToList();
        foreach (var (id, round) in overdue)
        {
            _fired[(id, RoundKey, round)] = now;
            await bus.Publish(new RoundOverdue { DeliberationId = id, Round = round }, cancellationToken);
        }

        return overdue.Count;
    }
}
