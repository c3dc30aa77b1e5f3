using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using Agents.Contracts;
using Agents.Contracts.Incidents;
using Agents.Orchestrator.Incidents;
using Agents.Orchestrator.Persistence;
using Agents.Orchestrator.Tests.Incidents;
using Agents.Orchestrator.Workflows;
using MassTransit;
using MassTransit.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ValidationResult = System.ComponentModel.DataAnnotations.ValidationResult;

namespace Agents.Orchestrator.Tests.Persistence;

/// <summary>
/// The close of escalated incidents past their maximum open age, on the real PostgreSQL: the sweeper's query, and the sweep
/// through the saga with its PostgreSQL repository (each test on a database of its own, since the query sees every row).
/// </summary>
public sealed class StaleIncidentSweeperTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Week = TimeSpan.FromDays(7);

    [Fact]
    public async Task The_query_finds_exactly_the_escalated_incidents_still_open_created_before_the_limit_oldest_first_and_bounded()
    {
        await using var store = await Store.Create();
        var oldest = Incident(IncidentStatuses.Escalated, open: true, Now - TimeSpan.FromDays(30));
        var older = Incident(IncidentStatuses.Escalated, open: true, Now - TimeSpan.FromDays(8));
        var justPast = Incident(IncidentStatuses.Escalated, open: true, Now - Week - TimeSpan.FromSeconds(1));
        var others = new[]
        {
            Incident(IncidentStatuses.Escalated, open: true, Now - Week), // exactly the limit: not older
            Incident(IncidentStatuses.Escalated, open: true, Now - TimeSpan.FromDays(1)),
            Incident(IncidentStatuses.Escalated, open: false, Now - TimeSpan.FromDays(30)), // its source resolved
            Incident(IncidentStatuses.Resolved, open: false, Now - TimeSpan.FromDays(30)),
            Incident(IncidentStatuses.Closed, open: false, Now - TimeSpan.FromDays(30)),
            Incident(IncidentStatuses.Failed, open: false, Now - TimeSpan.FromDays(30)),
            Incident(IncidentStatuses.Investigating, open: true, Now - TimeSpan.FromDays(30)),
        };
        await Save(store, [justPast, ..others, oldest, older]);

        await using var db = store.Database.NewContext();
        var all = await StaleIncidentSweeper.FindStale(db, Now - Week, StaleIncidentSweeper.BatchSize, CancellationToken.None);
        var firstTwo = await StaleIncidentSweeper.FindStale(db, Now - Week, 2, CancellationToken.None);

        Assert.Equal([oldest.CorrelationId, older.CorrelationId, justPast.CorrelationId], all.Select(i => i.IncidentId));
        Assert.Equal(oldest.CreatedAt, all[0].CreatedAt);
        Assert.Equal([oldest.CorrelationId, older.CorrelationId], firstTwo.Select(i => i.IncidentId));
    }

    [Fact]
    public async Task A_sweep_has_the_saga_close_the_old_escalated_incident_once_and_leaves_the_young_one_which_can_be_acknowledged()
    {
        await using var store = await Store.Create();
        var now = DateTimeOffset.UtcNow;
        var old = Incident(IncidentStatuses.Escalated, open: true, now - TimeSpan.FromDays(9));
        var young = Incident(IncidentStatuses.Escalated, open: true, now - TimeSpan.FromDays(2));
        await Save(store, [old, young]);
        await using var services = await SagaOverStore(store.Database.ConnectionString);
        var harness = services.GetRequiredService<ITestHarness>();
        var sweeper = ActivatorUtilities.CreateInstance<StaleIncidentSweeper>(services);

        var asked = await sweeper.Sweep(Week, CancellationToken.None);

        Assert.Equal(1, asked);
        var closed = await WaitForRow(store, old.CorrelationId, i => i.CurrentState == IncidentStatuses.Closed);
        Assert.False(closed.IsOpen);
        var entry = Assert.Single(closed.Timeline, t => t.Event == IncidentStateMachine.ClosedPastMaxOpenAge);
        Assert.Equal(OperatorText.MaxOpenAgeActor, entry.Actor);
        Assert.Contains("open for 9d", entry.Detail);
        // Another replica's sweep that found it before the close: its command changes nothing.
        await harness.Bus.Publish(new CloseStaleIncident { IncidentId = old.CorrelationId, MaxOpenAge = Week, AsOf = now.AddMinutes(1) });
        Assert.True(await HarnessWaits.Eventually(
            () => harness.Consumed.Select<CloseStaleIncident>(c => c.Context.Message.IncidentId == old.CorrelationId && c.Exception is null,
                new CancellationToken(canceled: true)).Count() == 2), "the second command was not consumed");
        Assert.Single((await WaitForRow(store, old.CorrelationId, _ => true)).Timeline, t => t.Event == IncidentStateMachine.ClosedPastMaxOpenAge);
        Assert.Single(harness.Published.Select<IncidentResolvedByOperator>(new CancellationToken(canceled: true)));
        // The next sweep finds nothing left to close.
        Assert.Equal(0, await sweeper.Sweep(Week, CancellationToken.None));

        // The young one stays escalated and open; an acknowledgement is stored and shown.
        var response = await harness.GetRequestClient<AcknowledgeIncident>().GetResponse<OperatorCommandAccepted, OperatorCommandRefused>(
            new AcknowledgeIncident { IncidentId = young.CorrelationId, Actor = "oidc:alice@example.com" });
        Assert.True(response.Is(out Response<OperatorCommandAccepted>? _));
        var stored = await WaitForRow(store, young.CorrelationId, i => i.AcknowledgedBy is not null);
        Assert.Equal((IncidentStatuses.Escalated, true), (stored.CurrentState, stored.IsOpen));
        var details = await harness.GetRequestClient<GetIncident>().GetResponse<IncidentDetails>(new GetIncident { IncidentId = young.CorrelationId });
        Assert.Equal("oidc:alice@example.com", details.Message.Summary.AcknowledgedBy);
        Assert.Equal(stored.AcknowledgedAt, details.Message.Summary.AcknowledgedAt);
        Assert.Equal("oidc:alice@example.com", details.Message.Timeline[^1].Actor);
    }

    [Fact]
    public async Task A_failing_sweep_is_logged_and_tried_again_at_the_next_interval_without_stopping_the_service()
    {
        var logger = new ListLogger<StaleIncidentSweeper>();
        await using var services = new ServiceCollection()
            .AddDbContextFactory<IncidentDbContext>(o => o.UseNpgsql("Host=127.0.0.1;Port=1;Database=nowhere;Username=x;Password=x;Timeout=2", IncidentStore.Configure))
            .BuildServiceProvider();
        var options = Options.Create(new OrchestratorOptions { StaleSweepInterval = TimeSpan.FromMilliseconds(100) });
        var bus = Bus.Factory.CreateUsingInMemory(_ => { }); // never started: nothing is found to publish
        using var sweeper = new StaleIncidentSweeper(
            services.GetRequiredService<IDbContextFactory<IncidentDbContext>>(), bus, options, TimeProvider.System, logger);

        await sweeper.StartAsync(CancellationToken.None);
        var retried = await HarnessWaits.Eventually(() => logger.Errors >= 2, TimeSpan.FromSeconds(30));
        await sweeper.StopAsync(CancellationToken.None);

        Assert.True(retried, $"the sweep was not tried again after failing: {string.Join(" | ", logger.Entries)}");
        Assert.True(sweeper.ExecuteTask!.IsCompletedSuccessfully, $"the sweeper ended {sweeper.ExecuteTask.Status}");
        Assert.Contains(logger.Entries, e => e.Contains("retrying in", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_maximum_open_age_of_zero_turns_the_sweep_off()
    {
        var logger = new ListLogger<StaleIncidentSweeper>();
        var options = Options.Create(new OrchestratorOptions { EscalatedMaxOpenAge = TimeSpan.Zero });
        using var sweeper = new StaleIncidentSweeper(null!, null!, options, TimeProvider.System, logger);

        await sweeper.StartAsync(CancellationToken.None);
        await sweeper.ExecuteTask!.WaitAsync(HarnessWaits.Patience);

        Assert.True(sweeper.ExecuteTask.IsCompletedSuccessfully);
        Assert.Contains("never closed for their age", Assert.Single(logger.Entries));
    }

    [Theory]
    [InlineData("7.00:00:00", "00:05:00", true)]
    [InlineData("00:00:00", "00:05:00", true)] // off
    [InlineData("00:00:01", "00:00:01", true)]
    [InlineData("00:00:00.500", "00:05:00", false)]
    [InlineData("-00:00:01", "00:05:00", false)]
    [InlineData("7.00:00:00", "00:00:00", false)]
    [InlineData("7.00:00:00", "00:00:00.500", false)]
    public void The_maximum_open_age_is_off_or_at_least_a_second_and_the_interval_at_least_a_second(string maxOpenAge, string interval, bool valid)
    {
        var options = new OrchestratorOptions
        {
            EscalatedMaxOpenAge = TimeSpan.Parse(maxOpenAge, System.Globalization.CultureInfo.InvariantCulture),
            StaleSweepInterval = TimeSpan.Parse(interval, System.Globalization.CultureInfo.InvariantCulture),
        };

        var results = new List<ValidationResult>();
        // As ValidateDataAnnotations does at start-up: the ranges, then IValidatableObject.
        Assert.Equal(valid, Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true));
    }

    [Fact]
    public void The_defaults_are_seven_days_checked_every_five_minutes()
    {
        var options = new OrchestratorOptions();

        Assert.Equal((TimeSpan.FromDays(7), TimeSpan.FromMinutes(5)), (options.EscalatedMaxOpenAge, options.StaleSweepInterval));
    }

    /// <summary>The saga with its PostgreSQL repository on the in-memory bus, as the orchestrator runs it.</summary>
    private static async Task<ServiceProvider> SagaOverStore(string connectionString)
    {
        var provider = new ServiceCollection()
            .AddLogging()
            .AddSingleton(WorkflowCatalog.Of(IncidentWorkflow.Default))
            .AddSingleton(TimeProvider.System)
            .AddSingleton(Options.Create(new OrchestratorOptions()))
            .AddDbContextFactory<IncidentDbContext>(o => o.UseNpgsql(connectionString, IncidentStore.Configure))
            .AddMassTransitTestHarness(x =>
            {
                x.AddOrchestratorConsumers().EntityFrameworkRepository<IncidentState, IncidentDbContext>();
                x.AddConfigureEndpointsCallback((context, _, endpoint) =>
                {
                    endpoint.UseMessageRetry(r =>
                    {
                        r.HandleSagaStoreConflicts();
                        r.Intervals(Enumerable.Range(1, 20).Select(i => TimeSpan.FromMilliseconds(10 * i)).ToArray());
                    });
                    endpoint.UseInMemoryOutbox(context);
                });
            })
            .BuildServiceProvider(true);
        var harness = provider.GetRequiredService<ITestHarness>();
        harness.TestInactivityTimeout = TimeSpan.FromSeconds(3);
        await harness.Start();
        return provider;
    }

    private static async Task<IncidentState> WaitForRow(Store store, Guid id, Func<IncidentState, bool> condition)
    {
        IncidentState? row = null;
        var deadline = DateTime.UtcNow + HarnessWaits.Patience;
        while (DateTime.UtcNow < deadline)
        {
            await using var db = store.Database.NewContext();
            row = await db.Incidents.AsNoTracking().SingleAsync(i => i.CorrelationId == id);
            if (condition(row))
            {
                return row;
            }

            await Task.Delay(50);
        }

        Assert.Fail($"incident {id} did not reach the expected state; it is {row?.CurrentState}");
        return row!;
    }

    private static async Task Save(Store store, IReadOnlyList<IncidentState> incidents)
    {
        await using var db = store.Database.NewContext();
        db.Incidents.AddRange(incidents);
        await db.SaveChangesAsync();
    }

    /// <summary>An incident as the saga leaves it in <paramref name="status"/>, created at <paramref name="createdAt"/>.</summary>
    private static IncidentState Incident(string status, bool open, DateTimeOffset createdAt)
    {
        var fingerprint = $"fp-{Guid.NewGuid():N}";
        var step = status == IncidentStatuses.Investigating ? IncidentSteps.Investigation : IncidentSteps.Notification;
        return new IncidentState
        {
            CorrelationId = Guid.NewGuid(),
            CurrentState = status,
            Fingerprint = fingerprint,
            IsOpen = open,
            AlertCount = 1,
            Alert = Samples.Alert(fingerprint),
            CreatedAt = createdAt,
            UpdatedAt = createdAt.AddMinutes(5),
            CurrentStep = step,
            StepAttempt = 1,
            StepStartedAt = createdAt.AddMinutes(1),
            EscalationReason = status == IncidentStatuses.Escalated ? "not confident enough" : null,
            Timeline = [new TimelineEntry { At = createdAt, Step = IncidentSteps.Intake, Attempt = 1, Event = "alert received" }],
        };
    }

    /// <summary>A migrated database of the test's own.</summary>
    private sealed class Store : IAsyncDisposable
    {
        private Store(StoreDatabase database) => Database = database;

        public StoreDatabase Database { get; }

        public static async Task<Store> Create()
        {
            var database = new StoreDatabase();
            await database.InitializeAsync();
            return new Store(database);
        }

        public async ValueTask DisposeAsync() => await Database.DisposeAsync();
    }

    private sealed class ListLogger<T> : ILogger<T>
    {
        private readonly ConcurrentQueue<string> _entries = new();
        private int _errors;

        public IReadOnlyList<string> Entries => [.. _entries];

        public int Errors => Volatile.Read(ref _errors);

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => NullLogger.Instance.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            _entries.Enqueue($"{logLevel}: {formatter(state, exception)}");
            if (logLevel >= LogLevel.Error)
            {
                Interlocked.Increment(ref _errors);
            }
        }
    }
}
