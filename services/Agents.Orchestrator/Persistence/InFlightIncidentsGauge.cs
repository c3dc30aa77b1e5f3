using Agents.Contracts.Incidents;
using Agents.Hosting;
using Agents.Orchestrator.Incidents;
using Npgsql;

namespace Agents.Orchestrator.Persistence;

/// <summary>
/// Every <see cref="Interval"/>, counts the incidents in flight (not in a terminal status) per status and the age of the
/// oldest of each, for <c>agents_incidents_in_flight</c> and <c>agents_incidents_in_flight_oldest_age_seconds</c>
/// (<see cref="IncidentTelemetry.InFlight"/>; 0 for a status with none). One indexed query (<c>ix_incidents_status_created</c>); every orchestrator
/// reports the same store, so the alerting rules take the maximum over them. A failed count (the database is down) keeps
/// the last figures out of <c>/metrics</c> until the next one succeeds: stale ages would neither fire nor clear an alert.
/// </summary>
internal sealed partial class InFlightIncidentsGauge(AgentsConnections connections, ILogger<InFlightIncidentsGauge> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(15);

    private static readonly string[] InFlightStatuses = IncidentStatuses.All.Except(IncidentStatuses.Terminal).ToArray();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            do
            {
                try
                {
                    IncidentTelemetry.InFlight = await Count(stoppingToken);
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    IncidentTelemetry.InFlight = null;
                    CountFailed(logger, e, Interval);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The orchestrator stops.
        }
    }

    private async Task<IReadOnlyList<IncidentTelemetry.InFlightCount>> Count(CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connections.PostgresConnection);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            $"""
            SELECT status, count(*), extract(epoch FROM now() - min(created_at))::float8
            FROM {IncidentDbContext.Schema}.incidents WHERE status = ANY(@statuses) GROUP BY status
            """, connection);
        command.Parameters.AddWithValue("statuses", InFlightStatuses);
        // Every status in flight is reported, 0 when it has none: an alert on it resolves instead of going stale.
        var counts = InFlightStatuses.ToDictionary(s => s, s => new IncidentTelemetry.InFlightCount(s, 0, 0));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var status = reader.GetString(0);
            counts[status] = new(status, reader.GetInt64(1), Math.Max(0, reader.GetDouble(2)));
        }

        return counts.Values.ToList();
    }

    [LoggerMessage(LogLevel.Warning, "Counting the incidents in flight failed; trying again in {Interval}")]
    private static partial void CountFailed(ILogger logger, Exception exception, TimeSpan interval);
}
