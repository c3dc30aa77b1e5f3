using System.Diagnostics;
using System.Net.Http.Json;
using Agents.Contracts;
using Agents.Contracts.Incidents;
using RabbitMQ.Client;
using Xunit.Abstractions;

namespace Agents.EndToEnd.Tests;

/// <summary>
/// A busy incident row: one alert repeated 10 times a second for a minute while its incident runs every step on the
/// fixture's two orchestrators. Every repeat and every reply updates the same row; a conflict between the two
/// orchestrators must be retried until it wins, never end in the error queue or page a human.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class ContentionTests(SystemFixture system, ITestOutputHelper output)
{
    private const int PerSecond = 10;
    private static readonly TimeSpan Duration = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task Ten_repeats_a_second_of_one_alert_for_a_minute_on_two_orchestrators_put_nothing_in_the_error_queue_and_page_nobody()
    {
        var service = $"busy-{Guid.NewGuid():N}"[..16];
        var fingerprint = Guid.NewGuid().ToString("N")[..16];
        var alertTime = DateTimeOffset.UtcNow.AddMinutes(-1);
        await system.PublishDeploy(service, "v9.1.0", "v9.0.9", alertTime.AddMinutes(-7));
        var errorsBefore = await system.ErrorQueueCount($"{AgentQueues.Orchestrator}_error");
        var body = IncidentFlowTests.Alertmanager(service, fingerprint, "critical", alertTime);

        await using var channel = await system.Broker.CreateChannelAsync(new CreateChannelOptions(true, true));
        var clock = Stopwatch.StartNew();
        var sent = 0;
        while (clock.Elapsed < Duration)
        {
            // Paced to the wall clock: the n-th repeat leaves at n/10 s (a publish is confirmed before the next).
            if (sent < clock.Elapsed.TotalSeconds * PerSecond)
            {
                await channel.BasicPublishAsync(AgentQueues.AlertsExchange, "prometheus.critical", false,
                    new BasicProperties { Persistent = true }, System.Text.Encoding.UTF8.GetBytes(body));
                sent++;
                continue;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(10));
        }

        var incident = await system.WaitForIncident(fingerprint,
            i => IncidentStatuses.Terminal.Contains(i.Summary.Status) && i.Summary.AlertCount == sent, $"all {sent} repeats attached", TimeSpan.FromMinutes(2));
        var errors = await system.ErrorQueueCount($"{AgentQueues.Orchestrator}_error") - errorsBefore;
        var pages = await system.EmergencyPages(incident.Summary.IncidentId);
        output.WriteLine($"{sent} alerts in {clock.Elapsed.TotalSeconds:0.0} s: 1 incident ({incident.Summary.Status}), {incident.Summary.AlertCount} attached, "
            + $"{errors} new message(s) in {AgentQueues.Orchestrator}_error, {pages} emergency page(s)");
        Assert.Equal(0, errors);
        Assert.Equal(0, pages);
        Assert.Single((await system.Api.GetFromJsonAsync<List<IncidentSummary>>($"incidents?fingerprint={fingerprint}"))!);
    }
}
