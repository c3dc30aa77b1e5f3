using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Agents.Contracts;
using Agents.Contracts.Deliberation;
using Agents.Contracts.Incidents;
using Agents.Testing;
using Npgsql;
using RabbitMQ.Client;
using Xunit.Abstractions;

namespace Agents.EndToEnd.Tests;

/// <summary>
/// The system with the claim agents on a RabbitMQ node of its own (<see cref="PrivateBroker"/>), whose publishers the
/// test blocks with a memory alarm; step and round timeouts are short (8s, triage's 10m) and the overdue sweep quick, so that a step
/// stuck past its deadline shows within seconds.
/// </summary>
public sealed class BlockedPublishersFixture : SystemFixture, IAsyncLifetime
{
    public const string Grace = "00:00:03";

    public BlockedPublishersFixture()
        : this(PrivateBroker.Start(TestEnvironment.RepositoryRoot).GetAwaiter().GetResult())
    {
    }

    private BlockedPublishersFixture(PrivateBroker broker)
        : base(["scheduler", "orchestrator", "triage", "context", "investigation", "remediation", "notification", "api", "policy", "coding", "medical"],
            new Dictionary<string, string>
            {
                ["RABBITMQ_URL"] = broker.Url,
                ["RABBITMQ_VHOST"] = "/",
                ["Orchestrator__WorkflowPath"] = ShortTimeouts(),
                ["Orchestrator__OverdueGrace"] = Grace,
                ["Orchestrator__OverdueSweepInterval"] = "00:00:02",
            }) => PrivateBroker = broker;

    internal PrivateBroker PrivateBroker { get; }

    /// <summary>deploy/workflows.yaml with every step and round timeout cut to 8s, in a file of its own.</summary>
    private static string ShortTimeouts()
    {
        var yaml = File.ReadAllText(Path.Combine(TestEnvironment.RepositoryRoot, "deploy", "workflows.yaml"));
        yaml = System.Text.RegularExpressions.Regex.Replace(yaml, @"(?m)^(\s+(?:timeout|roundTimeout): )\d+[sm]\s*$", "${1}8s");
        // Except triage's: the test stops the triage agent while it sets the incident up, and the reply to attempt 1 must
        // find that attempt still awaited however slow the machine (a timed-out attempt 1 would make the reply stale).
        yaml = System.Text.RegularExpressions.Regex.Replace(yaml, @"(?m)^(\s+triage:\s*\n\s+timeout: )8s", "${1}10m");
        var path = Path.Combine(Path.GetTempPath(), $"agents-e2e-workflows-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }

    Task IAsyncLifetime.InitializeAsync() => InitializeAsync();

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await PrivateBroker.DisposeAsync();
    }
}

public sealed class BlockedPublishersTests(BlockedPublishersFixture system, ITestOutputHelper output) : IClassFixture<BlockedPublishersFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    /// <summary>
    /// The orchestrator takes a reply and a deliberation's start, commits each, and then cannot publish what follows (the
    /// next command, its timeout, the round's stance requests and timeout) because the broker blocks publishers from just
    /// before those commits (the test holds the rows they write until the alarm is raised); it stays blocked until the
    /// step's and the round's deadlines have passed. Once the broker accepts again, the incident ends
    /// and the deliberation concludes, and no step waits past its deadline for longer than the overdue grace and a sweep.
    /// </summary>
    [Fact]
    public async Task What_a_commit_could_not_publish_goes_out_once_the_broker_accepts_again_and_nothing_stays_past_its_deadline()
    {
        var fingerprint = $"blk{Guid.NewGuid():N}"[..16];
        var deliberationId = Guid.NewGuid();
        // 1. The incident is stored, awaiting triage (whose agent is stopped).
        await system.Terminate("triage", TimeSpan.FromSeconds(60));
        await Publish(AgentQueues.AlertsExchange, "prometheus.critical",
            IncidentFlowTests.Alertmanager("blocked-checkout", fingerprint, "critical", DateTimeOffset.UtcNow.AddMinutes(-1)));
        await system.WaitForIncident(fingerprint, i => i.Summary.Status == IncidentStatuses.Triaging, "Triaging", Patience);

        // 2. The orchestrator gets the triage reply and a claim deliberation's start, and waits in the store: the test holds
        //    the incident's row and the deliberations table.
        DateTimeOffset unblocked;
        await using (var hold = new NpgsqlConnection(system.DatabaseConnection))
        {
            await hold.OpenAsync();
            var locks = await hold.BeginTransactionAsync();
            await using (var lockRow = new NpgsqlCommand("SELECT 1 FROM orchestrator.incidents WHERE fingerprint = @key FOR UPDATE; "
                + "LOCK TABLE orchestrator.deliberations IN SHARE MODE", hold, locks))
            {
                lockRow.Parameters.AddWithValue("key", fingerprint);
                await lockRow.ExecuteNonQueryAsync();
            }

            await system.Start("triage");
            await StartDeliberation(deliberationId);
            await system.WaitUntil(async () => await WaitingOnLocks() >= 2, "the orchestrator to wait on the held row and table with both messages in hand", Patience);

            // 3. Publishers blocked, then the store let go: the orchestrator commits both, and what follows cannot leave.
            await system.PrivateBroker.BlockPublishers();
            try
            {
                await locks.CommitAsync();
                await system.WaitUntil(async () => await StepDeadline(fingerprint) is not null && await RoundDeadline(deliberationId) is not null,
                    "the context step and the deliberation's first round committed", Patience);
                var deadlines = new[] { (await StepDeadline(fingerprint))!.Value, (await RoundDeadline(deliberationId))!.Value };
                output.WriteLine($"committed while blocked: context step due {deadlines[0]:HH:mm:ss.fff}, round 1 due {deadlines[1]:HH:mm:ss.fff}");

                // Held past both deadlines: nothing the orchestrator decided after those commits can have left.
                var heldUntil = deadlines.Max() + TimeSpan.FromSeconds(2);
                await system.WaitUntil(() => Task.FromResult(DateTimeOffset.UtcNow > heldUntil), "the deadlines to pass while blocked", Patience);
                Assert.Equal(0, await Received(AgentQueues.Context));
            }
            finally
            {
                await system.PrivateBroker.UnblockPublishers();
                unblocked = DateTimeOffset.UtcNow;
            }
        }

        // 4. Both go on, and nothing waits past its deadline for longer than the grace and a sweep (plus a loaded machine's margin).
        var worst = TimeSpan.Zero;
        await system.WaitUntil(async () =>
        {
            if (await StepDeadline(fingerprint) is { } due && DateTimeOffset.UtcNow - due > worst)
            {
                worst = DateTimeOffset.UtcNow - due;
            }

            return await IncidentStatus(fingerprint) is { } status && IncidentStatuses.Terminal.Contains(status)
                && await DeliberationStatus(deliberationId) is "Decided" or "Escalated";
        }, "the incident to end and the deliberation to conclude", Patience);
        var incident = await system.WaitForIncident(fingerprint, i => IncidentStatuses.Terminal.Contains(i.Summary.Status), "an end", Patience);
        foreach (var entry in incident.Timeline)
        {
            output.WriteLine($"{entry.At:HH:mm:ss.fff} {entry.Step} {entry.Attempt} {entry.Event}: {entry.Detail}");
        }

        output.WriteLine($"ended {incident.Summary.Status} {(incident.Summary.UpdatedAt - unblocked).TotalSeconds:0.0}s after the broker accepted again; "
            + $"deliberation {await DeliberationStatus(deliberationId)}; worst wait past a deadline after unblocking {worst.TotalSeconds:0.0}s");
        Assert.True(worst < TimeSpan.FromSeconds(20), $"a step waited {worst.TotalSeconds:0.0}s past its deadline after the broker accepted again");
        Assert.Contains(incident.Timeline, t => t.Step == IncidentSteps.Context);
    }

    private async Task Publish(string exchange, string routingKey, string body, BasicProperties? properties = null)
    {
        var factory = new ConnectionFactory { Uri = new Uri(system.PrivateBroker.Url) };
        await using var connection = await factory.CreateConnectionAsync("agents-e2e-blocked");
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        properties ??= new BasicProperties();
        properties.Persistent = true;
        await channel.BasicPublishAsync(exchange, routingKey, mandatory: false, properties, Encoding.UTF8.GetBytes(body));
    }

    /// <summary>Sends StartDeliberation for a sample claim to the orchestrator's deliberation endpoint, as MassTransit would (its envelope).</summary>
    private async Task StartDeliberation(Guid id)
    {
        var claim = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(TestEnvironment.RepositoryRoot, "deploy", "samples", "claims", "clm-1001-mri-migraine.json"))).RootElement;
        var envelope = JsonSerializer.Serialize(new
        {
            messageId = Guid.NewGuid(),
            messageType = new[] { "urn:message:Agents.Contracts.Deliberation:StartDeliberation" },
            message = new StartDeliberation { DeliberationId = id, Kind = "claim-adjudication", Subject = claim, Summary = "claim CLM-1001 (blocked publishers test)" },
            sentTime = DateTimeOffset.UtcNow,
        }, new JsonSerializerOptions(JsonSerializerDefaults.Web));
        await Publish(AgentQueues.Deliberation, "", envelope, new BasicProperties { ContentType = "application/vnd.masstransit+json" });
    }

    /// <summary>Sessions of the test's database waiting for a lock (the orchestrator's, on what the test holds).</summary>
    private async Task<long> WaitingOnLocks()
    {
        await using var connection = new NpgsqlConnection(system.DatabaseConnection);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Messages <paramref name="queue"/> has ever received (published to it) on the private node.</summary>
    private async Task<int> Received(string queue) =>
        (await QueueStats(queue)).TryGetProperty("message_stats", out var stats) && stats.TryGetProperty("publish", out var published)
            && published.ValueKind == JsonValueKind.Number ? published.GetInt32() : 0;

    private async Task<JsonElement> QueueStats(string queue)
    {
        using var management = new HttpClient { BaseAddress = system.PrivateBroker.ManagementUrl, Timeout = TimeSpan.FromSeconds(10) };
        management.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("guest:guest")));
        return await management.GetFromJsonAsync<JsonElement>($"api/queues/%2F/{queue}");
    }

    private Task<DateTimeOffset?> StepDeadline(string fingerprint) => Scalar<DateTimeOffset?>(
        "SELECT step_deadline FROM orchestrator.incidents WHERE fingerprint = @key AND current_step = 'context'", fingerprint);

    private Task<string?> IncidentStatus(string fingerprint) => Scalar<string?>("SELECT status FROM orchestrator.incidents WHERE fingerprint = @key", fingerprint);

    private Task<DateTimeOffset?> RoundDeadline(Guid id) => Scalar<DateTimeOffset?>(
        "SELECT round_started_at + round_timeout FROM orchestrator.deliberations WHERE deliberation_id = @key AND round >= 1", id);

    private Task<string?> DeliberationStatus(Guid id) => Scalar<string?>("SELECT status FROM orchestrator.deliberations WHERE deliberation_id = @key", id);

    private async Task<T> Scalar<T>(string sql, object key)
    {
        await using var connection = new NpgsqlConnection(system.DatabaseConnection);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("key", key);
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() && !reader.IsDBNull(0) ? reader.GetFieldValue<T>(0) : default!;
    }
}
