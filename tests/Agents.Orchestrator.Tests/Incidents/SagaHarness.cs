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
    /// Times out the awaited <paramref name="step"/> attempt <paramref name="attempt"/> as the orchestrator does: once the
    /// incident waits on it under a deadline, moves the harness clock on by <paramref name="by"/>, checks the deadline has
    /// passed, and sends the saga the <see cref="StepOverdue"/> the overdue sweep would find on the row; waits until the
    /// saga consumed it.
    /// </summary>
    /// <remarks>
    /// <paramref name="occurrence"/> names which timeout of that step and attempt when an incident waits on it more than
    /// once (a re-run runs its steps with the same attempts again): the earlier ones must have been consumed.
    /// </remarks>
    public async Task AdvancePastTimeout(Guid id, string step, int attempt, TimeSpan by, int occurrence = 1)
    {
        bool Matches(StepOverdue m) => m.IncidentId == id && m.Step == step && m.Attempt == attempt;
        var deadline = await WaitAwaited(id, step, attempt, () => ConsumedNow<StepOverdue>(Matches) >= occurrence - 1);
        await AdvanceTime(by);
        Assert.True(deadline <= Clock.GetUtcNow(), $"moving the clock by {by} did not pass the deadline {deadline:O} of {step} attempt {attempt}");
        await Publish(new StepOverdue { IncidentId = id, Step = step, Attempt = attempt, Deadline = deadline });
        Assert.True(await HarnessWaits.Eventually(() => ConsumedNow<StepOverdue>(Matches) >= occurrence),
            $"the timeout #{occurrence} of {step} attempt {attempt} was not consumed within {HarnessWaits.Patience.TotalSeconds:0} s");
    }

    /// <summary>
    /// Waits until the incident waits on <paramref name="step"/> attempt <paramref name="attempt"/> under a deadline (and
    /// <paramref name="also"/> holds); answers the deadline. The saga clears the old deadline before it moves to a step, so
    /// the one read belongs to this step.
    /// </summary>
    public async Task<DateTimeOffset> WaitAwaited(Guid id, string step, int attempt, Func<bool>? also = null)
    {
        DateTimeOffset? deadline = null;
        Assert.True(await HarnessWaits.Eventually(() =>
            {
                var incident = Saga.Sagas.Contains(id);
                if (incident is null)
                {
                    return false;
                }

                // The saga changes the instance meanwhile: the same deadline before and after the step and attempt were read.
                var before = incident.StepDeadline;
                var awaiting = incident.CurrentStep == step && incident.StepAttempt == attempt;
                deadline = awaiting && before is not null && incident.StepDeadline == before ? before : null;
                return deadline is not null && (also?.Invoke() ?? true);
            }),
            $"the incident did not wait on {step} attempt {attempt} under a deadline within {HarnessWaits.Patience.TotalSeconds:0} s");
        return deadline!.Value;
    }

    /// <summary>What the harness holds now of <typeparamref name="T"/> consumed and matching.</summary>
    public int ConsumedNow<T>(Func<T, bool> match)
        where T : class =>
        Harness.Consumed.Select<T>(c => match(c.Context.Message), HeldNow).Count();

    /// <summary>
    /// Verifies the executed remediation the incident waits on, as the remediation agent would: moves the clock past the
    /// next verification tick (every <paramref name="every"/>), waits for the check it sends and answers it verified.
    /// Returns the incident once it notifies its resolution.
    /// </summary>
    public async Task<IncidentState> VerifyByCheck(Guid id, TimeSpan every)
    {
        var verifying = await InState(id, Machine.Verifying);
        Assert.Equal(0, verifying.StepAttempt);
        // A re-run verifies again with the same attempts: this is the next one of them.
        var occurrence = ConsumedNow<StepOverdue>(m => m.IncidentId == id && m.Step == IncidentSteps.Verification && m.Attempt == 0) + 1;
        await AdvancePastTimeout(id, IncidentSteps.Verification, 0, every + TimeSpan.FromSeconds(1), occurrence);
        var check = await WaitSentCount<CheckRemediation>(occurrence, m => m.IncidentId == id && m.Attempt == 1);
        await Publish(new RemediationChecked
        {
            IncidentId = id, Attempt = check.Attempt, Verified = true, Detail = "error ratio max 0.004 below 0.01 for 5m", Value = 0.004,
        });
        return await InState(id, Machine.Notifying);
    }

    /// <summary>
    /// Moves the clock on by <paramref name="by"/> once the incident waits on <paramref name="step"/> attempt
    /// <paramref name="attempt"/>, and sweeps as the orchestrator would (a <see cref="StepOverdue"/> only if the deadline
    /// passed): for a test that expects the timeout not to fire yet. Answers whether it fired.
    /// </summary>
    public async Task<bool> AdvanceAndSweep(Guid id, string step, int attempt, TimeSpan by)
    {
        var deadline = await WaitAwaited(id, step, attempt);
        await AdvanceTime(by);
        if (deadline > Clock.GetUtcNow())
        {
            return false;
        }

        await Publish(new StepOverdue { IncidentId = id, Step = step, Attempt = attempt, Deadline = deadline });
        return true;
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
