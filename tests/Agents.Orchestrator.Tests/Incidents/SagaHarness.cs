using Agents.Contracts.Alerts;
using Agents.Contracts;
using Agents.Contracts.Incidents;
using Agents.Contracts.Remediation;
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

    /// <summary>The commands of type <typeparamref name="T"/> sent so far that match, without waiting for the bus to go quiet.</summary>
    public List<T> SentNow<T>(Func<T, bool>? filter = null)
        where T : class =>
        Harness.Sent.Select<T>(_ => true, HeldNow).Select(s => s.Context.Message).Where(m => filter?.Invoke(m) ?? true).ToList();

    /// <summary>Waits until <paramref name="count"/> commands of type <typeparamref name="T"/> matching <paramref name="filter"/> were sent; returns the last.</summary>
    public async Task<T> WaitSentCount<T>(int count, Func<T, bool> filter)
        where T : class
    {
        Assert.True(await HarnessWaits.Eventually(() => SentNow(filter).Count >= count),
            $"fewer than {count} {typeof(T).Name} matching the filter were sent within {HarnessWaits.Patience.TotalSeconds:0} s");
        return SentNow(filter)[^1];
    }

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
    /// <remarks>
    /// <paramref name="occurrence"/> names which timeout of that step and attempt when an incident schedules it more than
    /// once (a re-run runs its steps with the same attempts again, a resume schedules the awaited timeout anew): the
    /// clock moves until that many have been consumed.
    /// </remarks>
    public async Task AdvancePastTimeout(Guid id, string step, int attempt, TimeSpan by, int occurrence = 1)
    {
        bool Matches(StepTimedOut m) => m.IncidentId == id && m.Step == step && m.Attempt == attempt;
        Assert.True(await HarnessWaits.Eventually(() => SentNow<StepTimedOut>(Matches).Count >= occurrence),
            $"the timeout #{occurrence} of {step} attempt {attempt} was not scheduled within {HarnessWaits.Patience.TotalSeconds:0} s");
        for (var moves = 0; moves < 5; moves++)
        {
            await AdvanceTime(by);
            // Long enough that a loaded machine has consumed the timeout before the clock moves again (a second move
            // could fire the next attempt's timeout too); a move the scheduler missed costs only this wait.
            if (await HarnessWaits.Eventually(() => Harness.Consumed.Select<StepTimedOut>(c => Matches(c.Context.Message), HeldNow).Count() >= occurrence,
                    TimeSpan.FromSeconds(5)))
            {
                return;
            }
        }

        Assert.Fail($"the timeout of {step} attempt {attempt} was not consumed after moving the clock five times");
    }

    /// <summary>
    /// Verifies the executed remediation the incident waits on, as the remediation agent would: moves the clock past the
    /// next verification tick (every <paramref name="every"/>), waits for the check it sends and answers it verified.
    /// Returns the incident once it notifies its resolution.
    /// </summary>
    public async Task<IncidentState> VerifyByCheck(Guid id, TimeSpan every)
    {
        var verifying = await InState(id, Machine.Verifying);
        Assert.Equal(0, verifying.StepAttempt);
        bool FirstTick(StepTimedOut m) => m.IncidentId == id && m.Step == IncidentSteps.Verification && m.Attempt == 0;
        // A re-run verifies again with the same attempts: this is the next one of them.
        var occurrence = Harness.Consumed.Select<StepTimedOut>(c => FirstTick(c.Context.Message), HeldNow).Count() + 1;
        await AdvancePastTimeout(id, IncidentSteps.Verification, 0, every + TimeSpan.FromSeconds(1), occurrence);
        var check = await WaitSentCount<CheckRemediation>(occurrence, m => m.IncidentId == id && m.Attempt == 1);
        await Publish(new RemediationChecked
        {
            IncidentId = id, Attempt = check.Attempt, Verified = true, Detail = "error ratio max 0.004 below 0.01 for 5m", Value = 0.004,
        });
        return await InState(id, Machine.Notifying);
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

    /// <summary>Moves the saga's clock and the scheduler's on together (the saga's clock first: what fires sees the moved time).</summary>
    public async Task AdvanceTime(TimeSpan by)
    {
        Clock.Advance(by);
        var delay = Harness.Scope.ServiceProvider.GetRequiredService<IInMemoryDelayProvider>();
        await delay.Advance(by);
    }

    // A cancelled token makes the harness lists answer with what they hold now, without waiting.
    private static readonly CancellationToken HeldNow = new(canceled: true);

    public static IReadOnlyList<string> Events(IncidentState incident) => incident.Timeline.Select(t => $"{t.Step}:{t.Event}").ToList();

    public async ValueTask DisposeAsync() => await _provider.DisposeAsync();
}
