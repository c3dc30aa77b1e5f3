using Agents.Contracts.Alerts;
using Agents.Contracts.Incidents;
using Agents.Orchestrator.Incidents;
using Agents.Orchestrator.Workflows;
using MassTransit;
using MassTransit.InMemoryTransport;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Agents.Orchestrator.Tests.Incidents;

/// <summary>One in-memory bus with the incident saga per test scenario.</summary>
internal sealed class SagaHarness : IAsyncDisposable
{
    private readonly ServiceProvider _provider;

    private SagaHarness(ServiceProvider provider, ITestHarness harness, SwitchableClock clock)
    {
        _provider = provider;
        Clock = clock;
        Harness = harness;
        Saga = harness.GetSagaStateMachineHarness<IncidentStateMachine, IncidentState>();
        Machine = provider.GetRequiredService<IncidentStateMachine>();
    }

    public ITestHarness Harness { get; }

    public ISagaStateMachineTestHarness<IncidentStateMachine, IncidentState> Saga { get; }

    public IncidentStateMachine Machine { get; }

    public SwitchableClock Clock { get; }

    public static Task<SagaHarness> Start(IncidentWorkflow? workflow = null) => Start(WorkflowCatalog.Of(workflow ?? IncidentWorkflow.Default));

    /// <summary>A harness whose orchestrator routes by <paramref name="workflows"/> (tests may replace its set, as a reload does).</summary>
    public static async Task<SagaHarness> Start(WorkflowCatalog workflows, Agents.Hosting.Catalog.ServiceCatalog? catalog = null)
    {
        var clock = new SwitchableClock();
        var services = new ServiceCollection();
        if (catalog is not null)
        {
            services.AddSingleton(catalog);
        }

        var provider = services
            .AddLogging()
            .AddSingleton(workflows)
            .AddSingleton<TimeProvider>(clock)
            .AddMassTransitTestHarness(x =>
            {
                x.AddOrchestratorConsumers().InMemoryRepository();
                x.AddConfigureEndpointsCallback((context, _, endpoint) =>
                {
                    endpoint.UseMessageRetry(r => r.Immediate(2));
                    endpoint.UseInMemoryOutbox(context);
                });
            })
            .BuildServiceProvider(true);
        var harness = provider.GetRequiredService<ITestHarness>();
        // Bounds only MassTransit's own waits (the tests' checks that no fault was published); see HarnessWaits.
        harness.TestInactivityTimeout = TimeSpan.FromSeconds(3);
        await harness.Start();
        return new SagaHarness(provider, harness, clock);
    }

    public async Task<Guid> RaiseAlert(AlertPayload? alert = null)
    {
        var id = NewId.NextGuid();
        await Harness.Bus.Publish(new AlertReceived { IncidentId = id, Alert = alert ?? Samples.Alert(), ReceivedAt = DateTimeOffset.UtcNow });
        await InState(id, Machine.Triaging);
        return id;
    }

    public Task Publish<T>(T message)
        where T : class => Harness.Bus.Publish(message);

    /// <summary>Waits until the incident is in <paramref name="state"/> and returns it.</summary>
    public async Task<IncidentState> InState(Guid id, State state)
    {
        var found = await Saga.Exists(id, _ => state, TimeSpan.FromSeconds(5));
        Assert.True(found.HasValue, $"incident {id} did not reach {state.Name}; it is {Saga.Sagas.Contains(id)?.CurrentState ?? "missing"}");
        return Saga.Sagas.Contains(id)!;
    }

    /// <summary>Waits until the bus has consumed (saga or missing-instance handler) a message matching <paramref name="filter"/>.</summary>
    public async Task Consumed<T>(Func<T, bool> filter)
        where T : class =>
        Assert.True(await Harness.WaitConsumed<T>(c => filter(c.Context.Message)) is not null,
            $"the orchestrator did not consume the expected {typeof(T).Name} within {HarnessWaits.Patience.TotalSeconds:0} s");

    /// <summary>The commands of type <typeparamref name="T"/> sent so far that match.</summary>
    public List<T> Sent<T>(Func<T, bool>? filter = null)
        where T : class =>
        Harness.Sent.Select<T>().Select(s => s.Context.Message).Where(m => filter?.Invoke(m) ?? true).ToList();

    /// <summary>Waits for a sent command matching <paramref name="filter"/>.</summary>
    public async Task<T> WaitSent<T>(Func<T, bool> filter)
        where T : class
    {
        var sent = await Harness.WaitSent<T>(s => filter(s.Context.Message));
        Assert.True(sent is not null, $"no {typeof(T).Name} matching the filter was sent within {HarnessWaits.Patience.TotalSeconds:0} s");
        return sent.Context.Message;
    }

    /// <summary>
    /// Moves the harness clock on by <paramref name="by"/> once the timeout of <paramref name="step"/> attempt
    /// <paramref name="attempt"/> has been handed to the scheduler (the outbox releases it after the saga's save, and
    /// moving the clock before that would schedule it from the moved clock), until the saga has consumed it. The
    /// in-memory transport may start the delay of a scheduled message just after the send is recorded, so a clock moved
    /// in between leaves it waiting: then the clock is moved again (no later timeout of this step exists yet, since it
    /// is scheduled only once this one has been consumed).
    /// </summary>
    public async Task AdvancePastTimeout(Guid id, string step, int attempt, TimeSpan by)
    {
        await WaitSent<StepTimedOut>(m => m.IncidentId == id && m.Step == step && m.Attempt == attempt);
        for (var moves = 0; moves < 5; moves++)
        {
            await AdvanceTime(by);
            // Long enough that a loaded machine has consumed the timeout before the clock moves again (a second move
            // could fire the next attempt's timeout too); a move the scheduler missed costs only this wait.
            if (await HarnessWaits.Eventually(() => Harness.HasConsumed<StepTimedOut>(c =>
                    c.Context.Message.IncidentId == id && c.Context.Message.Step == step && c.Context.Message.Attempt == attempt), TimeSpan.FromSeconds(5)))
            {
                return;
            }
        }

        Assert.Fail($"the timeout of {step} attempt {attempt} was not consumed after moving the clock five times");
    }

    /// <summary>
    /// Moves the clock on by <paramref name="by"/> once, after the timeout of <paramref name="step"/> attempt
    /// <paramref name="attempt"/> has been handed to the scheduler: for a test that expects the timeout not to fire.
    /// </summary>
    public async Task AdvanceOnceAfterScheduled(Guid id, string step, int attempt, TimeSpan by)
    {
        await WaitSent<StepTimedOut>(m => m.IncidentId == id && m.Step == step && m.Attempt == attempt);
        await AdvanceTime(by);
    }

    private async Task AdvanceTime(TimeSpan by)
    {
        var delay = Harness.Scope.ServiceProvider.GetRequiredService<IInMemoryDelayProvider>();
        await delay.Advance(by);
    }

    public static IReadOnlyList<string> Events(IncidentState incident) => incident.Timeline.Select(t => $"{t.Step}:{t.Event}").ToList();

    public async ValueTask DisposeAsync() => await _provider.DisposeAsync();
}
