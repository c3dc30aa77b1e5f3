using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace Agents.SagaRepository.Tests;

/// <summary>A small saga that exercises every repository path: create, update, query correlation, finalize, fault.</summary>
public sealed class Counter : SagaStateMachineInstance
{
    public Guid CorrelationId { get; set; }

    public string CurrentState { get; set; } = null!;

    public string? Key { get; set; }

    public int Count { get; set; }

    public uint RowVersion { get; set; }
}

public sealed record Start(Guid Id, string? Key = null);

public sealed record Increment(Guid Id);

public sealed record Touch(Guid Id);

public sealed record Explode(Guid Id);

public sealed record Finish(Guid Id);

/// <summary>Creates its counter with MassTransit's insert-first path (the row is written before the behaviour runs).</summary>
public sealed record Begin(Guid Id);

/// <summary>Correlated by <see cref="Key"/>: the first ping for a key creates the counter, later ones count.</summary>
public sealed record KeyedPing(string Key);

public sealed class CounterMachine : MassTransitStateMachine<Counter>
{
    public CounterMachine()
    {
        InstanceState(x => x.CurrentState);
        Event(() => Started, e => e.CorrelateById(c => c.Message.Id));
        Event(() => Incremented, e => e.CorrelateById(c => c.Message.Id));
        Event(() => Touched, e =>
        {
            e.CorrelateById(c => c.Message.Id);
            e.ReadOnly = true;
        });
        Event(() => Exploded, e => e.CorrelateById(c => c.Message.Id));
        Event(() => Finished, e => e.CorrelateById(c => c.Message.Id));
        Event(() => Begun, e =>
        {
            e.CorrelateById(c => c.Message.Id);
            e.InsertOnInitial = true;
            e.SetSagaFactory(c => new Counter { CorrelationId = c.Message.Id });
        });
        Event(() => Pinged, e =>
        {
            e.CorrelateBy((counter, c) => counter.Key == c.Message.Key);
            e.SelectId(_ => NewId.NextGuid());
        });

        Initially(
            When(Started).Then(c => c.Saga.Key = c.Message.Key).TransitionTo(Active),
            When(Begun).Then(c => c.Saga.Count = 1).TransitionTo(Active),
            When(Pinged).Then(c =>
            {
                c.Saga.Key = c.Message.Key;
                c.Saga.Count = 1;
            }).TransitionTo(Active));

        During(Active,
            When(Incremented).Then(c => c.Saga.Count++),
            When(Pinged).Then(c => c.Saga.Count++),
            When(Begun).Then(c => c.Saga.Count++),
            // Changes the instance, but the event is read-only: nothing may be stored.
            When(Touched).Then(c => c.Saga.Count = -1),
            When(Exploded).Then(c =>
            {
                c.Saga.Count = -100;
                throw new InvalidOperationException("boom");
            }),
            When(Finished).Finalize());

        SetCompletedWhenFinalized();
    }

    public State Active { get; } = null!;

    public Event<Start> Started { get; } = null!;

    public Event<Increment> Incremented { get; } = null!;

    public Event<Touch> Touched { get; } = null!;

    public Event<Explode> Exploded { get; } = null!;

    public Event<Finish> Finished { get; } = null!;

    public Event<KeyedPing> Pinged { get; } = null!;

    public Event<Begin> Begun { get; } = null!;
}

public sealed class CounterDbContext(DbContextOptions<CounterDbContext> options) : DbContext(options)
{
    public DbSet<Counter> Counters => Set<Counter>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        var counter = modelBuilder.Entity<Counter>();
        counter.ToTable("counters");
        counter.HasKey(c => c.CorrelationId);
        counter.Property(c => c.CorrelationId).ValueGeneratedNever();
        counter.Property(c => c.CurrentState).HasMaxLength(64);
        counter.Property(c => c.RowVersion).IsRowVersion();
        counter.HasIndex(c => c.Key).IsUnique();
    }
}
