using System.Collections.Concurrent;
using Agents.Contracts.Notification;
using Agents.Hosting;
using Agents.Notification.Channels;
using Agents.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Agents.Brains.Tests.Notification;

/// <summary>
/// The delivery ledger on the real PostgreSQL and the dispatcher over it: each event reaches each channel at most once
/// however often it is dispatched, in parallel or after a crash mid-delivery (an idempotent channel is sent again, the
/// others are not), one failing channel never stops the others, and a later event finds the incident's thread.
/// </summary>
public sealed class NotificationDeliveryTests : IAsyncLifetime
{
    private FreshDatabase _database = null!;
    private PostgresDeliveryLedger _ledger = null!;

    public async Task InitializeAsync()
    {
        _database = await FreshDatabase.Create("agents_ledger");
        _ledger = new PostgresDeliveryLedger(Connections(_database.ConnectionString), TimeProvider.System);
        await _ledger.CreateAsync(CancellationToken.None);
        await _ledger.CreateAsync(CancellationToken.None); // a second start finds it
    }

    public async Task DisposeAsync()
    {
        await _ledger.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task Twenty_dispatches_of_one_event_at_once_deliver_it_once_per_channel()
    {
        var slack = new RecordingChannel("slack");
        var pagerduty = new RecordingChannel("pagerduty", idempotent: true);
        var dispatcher = Dispatcher(slack, pagerduty);
        var message = Message(Guid.NewGuid(), "escalation-1");

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => dispatcher.DispatchAsync(message, CancellationToken.None)));

        Assert.Single(slack.Calls);
        Assert.Single(pagerduty.Calls);
        var statuses = results.SelectMany(r => r).Where(d => d.Channel == "slack").Select(d => d.Status).ToList();
        Assert.Equal(1, statuses.Count(s => s == ChannelDeliveryStatuses.Delivered));
        Assert.All(statuses, s => Assert.Contains(s, new[] { ChannelDeliveryStatuses.Delivered, ChannelDeliveryStatuses.AlreadyDelivered, ChannelDeliveryStatuses.InProgress }));
        Assert.All(results, r => Assert.True(NotificationDispatcher.Reached(r)));
    }

    [Fact]
    public async Task A_delivery_claimed_by_an_attempt_that_died_is_sent_again_only_on_an_idempotent_channel()
    {
        var incident = Guid.NewGuid();
        // An attempt claimed both deliveries and died before it could confirm either.
        foreach (var (channel, target, idempotent) in new[] { ("slack", "#ops", false), ("pagerduty", "", true) })
        {
            var claim = await _ledger.ClaimAsync(incident, "escalation-1", channel, target, idempotent, CancellationToken.None);
            Assert.Equal(ClaimOutcome.Claimed, claim.Outcome);
            await claim.Lease!.DisposeAsync(); // its process died: the lease went with its connection, the row stays claimed
        }
        var slack = new RecordingChannel("slack", target: "#ops");
        var pagerduty = new RecordingChannel("pagerduty", idempotent: true);

        var deliveries = await Dispatcher(slack, pagerduty).DispatchAsync(Message(incident, "escalation-1"), CancellationToken.None);

        Assert.Empty(slack.Calls);
        Assert.Equal(ChannelDeliveryStatuses.Unconfirmed, deliveries.Single(d => d.Channel == "slack").Status);
        Assert.Single(pagerduty.Calls);
        Assert.Equal(ChannelDeliveryStatuses.Delivered, deliveries.Single(d => d.Channel == "pagerduty").Status);
    }

    [Fact]
    public async Task A_delivery_that_went_out_without_an_answer_is_never_sent_again_on_a_channel_that_is_not_idempotent()
    {
        var slack = new RecordingChannel("slack") { Uncertain = 1 };
        var pagerduty = new RecordingChannel("pagerduty", idempotent: true) { Uncertain = 1 };
        var dispatcher = Dispatcher(slack, pagerduty);
        var incident = Guid.NewGuid();
        var message = Message(incident, "escalation-1");

        var first = await dispatcher.DispatchAsync(message, CancellationToken.None);
        var posted = first.Single(d => d.Channel == "slack");
        Assert.Equal(ChannelDeliveryStatuses.Unconfirmed, posted.Status);
        Assert.Equal("slack got no answer: it may have arrived; not sent again (check slack)", posted.Detail);
        Assert.Equal(ChannelDeliveryStatuses.Failed, first.Single(d => d.Channel == "pagerduty").Status);
        Assert.True(NotificationDispatcher.Reached(first));

        // The step's next attempt (or a redelivery): Slack may show the first post, so it is not posted again; PagerDuty
        // deduplicates, so it is sent again.
        var second = await dispatcher.DispatchAsync(message, CancellationToken.None);
        Assert.Equal(ChannelDeliveryStatuses.Unconfirmed, second.Single(d => d.Channel == "slack").Status);
        Assert.Equal(ChannelDeliveryStatuses.Delivered, second.Single(d => d.Channel == "pagerduty").Status);
        Assert.Single(slack.Calls);
        Assert.Equal(2, pagerduty.Calls.Count);

        await using var connection = new Npgsql.NpgsqlConnection(_database.ConnectionString);
        await connection.OpenAsync();
        await using var read = new Npgsql.NpgsqlCommand("SELECT status, error FROM notification.deliveries WHERE incident_id = $1 AND channel = 'slack'", connection);
        read.Parameters.Add(new() { Value = incident });
        await using var row = await read.ExecuteReaderAsync();
        Assert.True(await row.ReadAsync());
        Assert.Equal(("claimed", "slack got no answer: it may have arrived"), (row.GetString(0), row.GetString(1)));
    }

    [Fact]
    public async Task A_copy_consumed_while_another_attempt_delivers_waits_for_it_and_reports_what_it_did()
    {
        var incident = Guid.NewGuid();
        var first = await _ledger.ClaimAsync(incident, "escalation-1", "slack", "#ops", false, CancellationToken.None);
        Assert.Equal(ClaimOutcome.Claimed, first.Outcome);

        var copy = _ledger.ClaimAsync(incident, "escalation-1", "slack", "#ops", false, CancellationToken.None);
        await WaitForALeaseWaiter();
        Assert.False(copy.IsCompleted, "the copy did not wait for the attempt that holds the lease");
        await _ledger.DeliveredAsync(incident, "escalation-1", "slack", "#ops", "C0INCIDENTS:1790000000.000100", CancellationToken.None);
        await first.Lease!.DisposeAsync();

        var answer = await copy.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal((ClaimOutcome.AlreadyDelivered, "C0INCIDENTS:1790000000.000100"), (answer.Outcome, answer.ExternalId));

        // A lease held longer than the wait: the copy gives up and says so.
        var second = await _ledger.ClaimAsync(incident, "escalation-2", "slack", "#ops", false, CancellationToken.None);
        await using var impatient = new PostgresDeliveryLedger(Connections(_database.ConnectionString), TimeProvider.System) { LeaseWait = TimeSpan.FromMilliseconds(200) };
        Assert.Equal(ClaimOutcome.InProgress, (await impatient.ClaimAsync(incident, "escalation-2", "slack", "#ops", false, CancellationToken.None)).Outcome);
        await second.Lease!.DisposeAsync();
    }

    /// <summary>Until a session waits for an advisory lock in the test's database (10 s at most).</summary>
    private async Task WaitForALeaseWaiter()
    {
        await using var connection = new Npgsql.NpgsqlConnection(_database.ConnectionString);
        await connection.OpenAsync();
        await using var waiting = new Npgsql.NpgsqlCommand(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            connection);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((long)(await waiting.ExecuteScalarAsync())! == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "no claim waited for the lease within 10 s");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task A_failing_channel_does_not_stop_the_others_and_is_tried_again_with_the_event()
    {
        var slack = new RecordingChannel("slack") { Failures = 1 };
        var pagerduty = new RecordingChannel("pagerduty", idempotent: true);
        var dispatcher = Dispatcher(slack, pagerduty);
        var message = Message(Guid.NewGuid(), "escalation-1");

        var first = await dispatcher.DispatchAsync(message, CancellationToken.None);
        Assert.Equal("InvalidOperationException: slack said no", first.Single(d => d.Channel == "slack").Detail);
        Assert.Equal(ChannelDeliveryStatuses.Failed, first.Single(d => d.Channel == "slack").Status);
        Assert.Equal(ChannelDeliveryStatuses.Delivered, first.Single(d => d.Channel == "pagerduty").Status);
        Assert.True(NotificationDispatcher.Reached(first));

        // The step's next attempt: the failed delivery is claimed again, the delivered one is not repeated.
        var second = await dispatcher.DispatchAsync(message, CancellationToken.None);
        Assert.Equal(ChannelDeliveryStatuses.Delivered, second.Single(d => d.Channel == "slack").Status);
        Assert.Equal(ChannelDeliveryStatuses.AlreadyDelivered, second.Single(d => d.Channel == "pagerduty").Status);
        Assert.Equal(2, slack.Calls.Count);
        Assert.Single(pagerduty.Calls);
    }

    [Fact]
    public async Task Only_the_file_taking_a_page_is_not_reaching_anyone()
    {
        var dispatcher = Dispatcher(new RecordingChannel("slack") { Failures = 5 }, new RecordingChannel("file"));

        var deliveries = await dispatcher.DispatchAsync(Message(Guid.NewGuid(), "escalation-1"), CancellationToken.None);

        Assert.Equal(ChannelDeliveryStatuses.Delivered, deliveries.Single(d => d.Channel == "file").Status);
        Assert.False(NotificationDispatcher.Reached(deliveries));
        Assert.True(NotificationDispatcher.Reached([deliveries.Single(d => d.Channel == "file")]));
    }

    [Fact]
    public async Task A_later_event_of_the_incident_gets_the_first_deliverys_id_as_its_thread_and_routes_choose_channels()
    {
        var slack = new RecordingChannel("slack", target: "#ops");
        var jira = new RecordingChannel("jira", target: "OPS");
        var email = new RecordingChannel("email") { Configured = false };
        var routes = NotificationRoutes.Parse("""
            routes:
              - name: triage-gave-up
                match: { event: [escalation], step: triage }
                channels: [email]
              - name: pages
                match: { event: [escalation] }
                channels: [slack, jira, email]
              - name: resolved
                match: { event: resolution }
                channels: ["slack:#ops"]
            default: [file]
            """, "test.yaml");
        var dispatcher = new NotificationDispatcher([slack, jira, email], _ledger, routes, TimeProvider.System, NullLogger<NotificationDispatcher>.Instance);
        var incident = Guid.NewGuid();

        var page = await dispatcher.DispatchAsync(Message(incident, "escalation-1"), CancellationToken.None);
        var resolved = await dispatcher.DispatchAsync(Message(incident, "resolution-2") with { Event = NotificationKinds.Resolution }, CancellationToken.None);

        Assert.Equal(["jira", "slack"], page.Select(d => d.Channel).Order());
        Assert.Equal("triage-gave-up", routes.Route(Message(incident, "escalation-9") with { Step = "triage" }).Route);
        Assert.Null(slack.Calls[0].ThreadRef);
        Assert.Equal("slack-1", slack.Calls[1].ThreadRef);
        Assert.Single(resolved);
        Assert.Single(jira.Calls);
        Assert.Equal("#ops", slack.Targets[1]);
    }

    [Fact]
    public void A_routing_file_with_mistakes_is_refused_with_each_of_them()
    {
        var error = Assert.Throws<InvalidOperationException>(() => NotificationRoutes.Parse("""
            routes:
              - match: { severity: critical, colour: red }
                channels: [slack, teams]
              - channels: [slack]
            default: []
            """, "bad.yaml"));

        Assert.Contains("routes[0].match.colour: not a condition", error.Message);
        Assert.Contains("routes[0].channels: 'teams' is not a channel", error.Message);
        Assert.Contains("routes[1].match: a route needs at least one condition", error.Message);
        Assert.Contains("default.channels: at least one channel", error.Message);
    }

    private NotificationDispatcher Dispatcher(params INotificationChannel[] channels) =>
        new(channels, _ledger, NotificationRoutes.Parse("default: [slack, pagerduty, file]", "test.yaml"), TimeProvider.System, NullLogger<NotificationDispatcher>.Instance);

    private static AgentsConnections Connections(string postgres) => new AgentsConnections
    {
        RabbitMqUrl = new Uri("amqp://guest:guest@127.0.0.1:5682"),
        RabbitMqVirtualHost = "/",
    } with { PostgresConnection = postgres };

    private static ChannelMessage Message(Guid incident, string eventKey) => new()
    {
        IncidentId = incident, Event = NotificationKinds.Escalation, EventKey = eventKey, Priority = "page", Status = "Escalated",
        Title = "ESCALATED: auth-service", Summary = "a human needs to take over", At = DateTimeOffset.UtcNow,
    };

    private sealed class RecordingChannel(string name, bool idempotent = false, string? target = null) : INotificationChannel
    {
        private int _count;

        public ConcurrentQueue<ChannelMessage> CallQueue { get; } = new();

        public List<ChannelMessage> Calls => [.. CallQueue];

        public List<string?> Targets { get; } = [];

        public int Failures { get; set; }

        /// <summary>The first calls that go out and get no answer (<see cref="DeliveryUncertainException"/>).</summary>
        public int Uncertain { get; set; }

        public bool Configured { get; set; } = true;

        public string Name => name;

        public bool IsConfigured => Configured;

        public bool IsIdempotent => idempotent;

        public string? DefaultTarget => target;

        public async Task<ChannelReceipt> SendAsync(ChannelMessage message, string? to, CancellationToken cancellationToken)
        {
            CallQueue.Enqueue(message);
            lock (Targets)
            {
                Targets.Add(to);
            }

            await Task.Yield();
            var count = Interlocked.Increment(ref _count);
            if (count <= Uncertain)
            {
                throw new DeliveryUncertainException($"{name} got no answer: it may have arrived");
            }

            if (count <= Failures)
            {
                throw new InvalidOperationException($"{name} said no");
            }

            return new ChannelReceipt($"{name}-{_count}");
        }
    }
}
