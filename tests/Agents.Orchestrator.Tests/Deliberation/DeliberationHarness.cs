using System.Text.Json;
using Agents.Contracts.Deliberation;
using Agents.Orchestrator.Deliberations;
using Agents.Orchestrator.Workflows;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Agents.Orchestrator.Tests.Deliberation;

/// <summary>One in-memory bus with the deliberation saga per test scenario (like the incident saga's SagaHarness).</summary>
internal sealed class DeliberationHarness : IAsyncDisposable
{
    public const string Claims = "claim-adjudication";

    /// <summary>The reference policy: policy, coding and medical agents, 2 of 3, at most 5 rounds of 30s.</summary>
    public static DeliberationPolicy ClaimPolicy { get; } = new()
    {
        Kind = Claims,
        Participants = ["policy", "coding", "medical"],
        Threshold = 2,
        MaxRounds = 5,
        RoundTimeout = TimeSpan.FromSeconds(30),
        Decisions = ["pay", "deny"],
    };

    private readonly ServiceProvider _provider;

    private DeliberationHarness(ServiceProvider provider, ITestHarness harness)
    {
        _provider = provider;
        Harness = harness;
        Saga = harness.GetSagaStateMachineHarness<DeliberationStateMachine, DeliberationState>();
        Machine = provider.GetRequiredService<DeliberationStateMachine>();
    }

    public ITestHarness Harness { get; }

    public ISagaStateMachineTestHarness<DeliberationStateMachine, DeliberationState> Saga { get; }

    public DeliberationStateMachine Machine { get; }

    public static async Task<DeliberationHarness> Start(params DeliberationPolicy[] policies)
    {
        var provider = new ServiceCollection()
            .AddLogging()
            .AddSingleton(DeliberationPolicies.Of(policies.Length == 0 ? [ClaimPolicy] : policies))
            .AddSingleton(TimeProvider.System)
            .AddMassTransitTestHarness(x =>
            {
                x.AddDeliberations().InMemoryRepository();
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
        return new DeliberationHarness(provider, harness);
    }

    public static JsonElement Claim { get; } = JsonSerializer.SerializeToElement(new
    {
        claimId = "CLM-2026-0042",
        procedure = "99213",
        diagnosis = "J06.9",
        amount = 180.00,
    });

    /// <summary>Starts a deliberation of <paramref name="kind"/> and waits until the saga has it.</summary>
    public async Task<Guid> Begin(string kind = Claims, Uri? requestedBy = null)
    {
        var id = NewId.NextGuid();
        await Harness.Bus.Publish(new StartDeliberation
        {
            DeliberationId = id, Kind = kind, Subject = Claim, Summary = "office visit claim CLM-2026-0042", RequestedBy = requestedBy,
        });
        await Until(id, _ => true, "created");
        return id;
    }

    public Task Stance(Guid id, int round, string participant, string decision, double confidence = 0.8, string? reason = null, long tokens = 0) =>
        Harness.Bus.Publish(new StanceGiven
        {
            DeliberationId = id,
            Round = round,
            Participant = participant,
            Decision = decision,
            Reason = reason ?? $"{participant} says {decision}",
            Confidence = confidence,
            Tokens = new Contracts.TokenUsage { InputTokens = tokens },
        });

    /// <summary>Waits for the <see cref="StanceRequested"/> of <paramref name="participant"/> in <paramref name="round"/>.</summary>
    public async Task<StanceRequested> Requested(Guid id, int round, string participant)
    {
        var sent = await Harness.WaitSent<StanceRequested>(s =>
            s.Context.Message.DeliberationId == id && s.Context.Message.Round == round && s.Context.Message.Participant == participant);
        Assert.True(sent is not null, $"no StanceRequested for {participant} in round {round} was sent");
        Assert.Equal($"/{participant}", sent.Context.DestinationAddress!.AbsolutePath);
        return sent.Context.Message;
    }

    public List<StanceRequested> AllRequested(Guid id) =>
        Harness.Sent.Select<StanceRequested>(s => s.Context.Message.DeliberationId == id).Select(s => s.Context.Message).ToList();

    /// <summary>Waits until the deliberation satisfies <paramref name="condition"/> and returns it.</summary>
    public async Task<DeliberationState> Until(Guid id, Func<DeliberationState, bool> condition, string what)
    {
        var reached = await HarnessWaits.Eventually(() => Saga.Sagas.Contains(id) is { } state && condition(state) ? state : null,
            TimeSpan.FromSeconds(5));
        var last = Saga.Sagas.Contains(id);
        Assert.True(reached is not null, $"deliberation {id} did not reach: {what}; it is {last?.CurrentState ?? "missing"} in round {last?.Round}");
        return reached;
    }

    public Task<DeliberationState> InState(Guid id, State state) => Until(id, d => d.CurrentState == state.Name, state.Name);

    public Task<DeliberationState> InRound(Guid id, int round) =>
        Until(id, d => d.CurrentState == Machine.Deliberating.Name && d.Round == round, $"round {round}");

    public async Task<DeliberationConcluded> Concluded(Guid id)
    {
        var published = await Harness.WaitPublished<DeliberationConcluded>(p => p.Context.Message.DeliberationId == id);
        var state = Saga.Sagas.Contains(id);
        Assert.True(published is not null, $"no DeliberationConcluded was published for {id}; it is {state?.CurrentState} in round {state?.Round}, "
            + $"{state?.Rounds.Count} round(s) ended, stances in: {string.Join(", ", state?.CurrentStances.Select(s => $"{s.Participant} {s.Decision}") ?? [])}, "
            + $"ignored: {string.Join("; ", state?.Ignored.Select(i => $"{i.Participant} r{i.Round}: {i.Why}") ?? [])}; "
            + $"faults: {string.Join("; ", Harness.Consumed.Select(c => c.Exception is not null).Select(c => $"{c.MessageType.Name}: {c.Exception!.Message}"))}; "
            + $"consumed stances: {Harness.Consumed.Select<StanceGiven>(c => c.Context.Message.DeliberationId == id).Count()}, "
            + $"published stances: {Harness.Published.Select<StanceGiven>(c => c.Context.Message.DeliberationId == id).Count()}");
        return published.Context.Message;
    }

    /// <summary>
    /// Moves the harness clock past the timeout of <paramref name="round"/> once it has been handed to the scheduler
    /// (the outbox releases it after the saga's save; see SagaHarness.AdvancePastTimeout), and waits until that round
    /// has ended. The in-memory transport may start the delay of a scheduled message just after the send is recorded: a
    /// clock moved before that leaves it waiting, so the clock is moved again while the round is still open (no later
    /// round's timeout exists then, so this cannot fire one).
    /// </summary>
    public async Task TimeOut(Guid id, int round)
    {
        var scheduled = await Harness.WaitSent<DeliberationRoundTimedOut>(s =>
            s.Context.Message.DeliberationId == id && s.Context.Message.Round == round);
        Assert.True(scheduled is not null, $"the timeout of round {round} was not scheduled");
        var delay = Harness.Scope.ServiceProvider.GetRequiredService<MassTransit.InMemoryTransport.IInMemoryDelayProvider>();
        for (var attempt = 0; attempt < 5; attempt++)
        {
            await delay.Advance(ClaimPolicy.RoundTimeout + TimeSpan.FromSeconds(1));
            if (await HarnessWaits.Eventually(() => Saga.Sagas.Contains(id) is { } state && state.Rounds.Any(r => r.Round == round),
                    TimeSpan.FromSeconds(1)))
            {
                return;
            }
        }

        Assert.Fail($"the timeout of round {round} did not end it");
    }

    public async ValueTask DisposeAsync() => await _provider.DisposeAsync();
}
