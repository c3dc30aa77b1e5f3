using MassTransit;
using MassTransit.Saga;
using MassTransit.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Agents.SagaRepository.Tests;

/// <summary>
/// The repository on the real PostgreSQL, through MassTransit's saga pipeline: the behaviours MassTransit's own
/// persistence tests check for its repositories, plus the races a production store meets.
/// </summary>
public sealed class RepositoryConformanceTests(CounterStore store) : IClassFixture<CounterStore>
{
    [Fact]
    public async Task An_initiating_message_creates_the_row_and_a_correlated_one_updates_it()
    {
        var id = NewId.NextGuid();

        await store.Harness.Bus.Publish(new Start(id));
        await store.WaitUntil(rows => rows.Any(r => r.CorrelationId == id), "the insert");
        await store.Harness.Bus.Publish(new Increment(id));
        await store.Harness.Bus.Publish(new Increment(id));

        await store.WaitUntil(rows => rows.Single(r => r.CorrelationId == id).Count == 2, "two increments");
        Assert.Equal("Active", (await store.Row(id))!.CurrentState);
    }

    [Fact]
    public async Task Query_correlation_updates_the_matching_row_only()
    {
        await store.Harness.Bus.Publish(new KeyedPing("query-a"));
        await store.Harness.Bus.Publish(new KeyedPing("query-b"));
        await store.WaitUntil(rows => rows.Count(r => r.Key is "query-a" or "query-b") == 2, "both counters");

        await store.Harness.Bus.Publish(new KeyedPing("query-a"));

        var rows = await store.WaitUntil(rows => rows.Single(r => r.Key == "query-a").Count == 2, "the second ping of a");
        Assert.Equal(1, rows.Single(r => r.Key == "query-b").Count);
    }

    [Fact]
    public async Task A_read_only_event_stores_nothing()
    {
        var id = NewId.NextGuid();
        await store.Harness.Bus.Publish(new Start(id));
        await store.WaitUntil(rows => rows.Any(r => r.CorrelationId == id), "the insert");

        await store.Harness.Bus.Publish(new Touch(id));
        await store.WaitFor(() => store.Harness.Consumed.Select<Touch>(c => c.Context.Message.Id == id).Any(), "Touch consumed");
        Assert.False(store.Harness.Published.Select<Fault<Touch>>().Any(), "Touch faulted");

        Assert.Equal(0, (await store.Row(id))!.Count);
    }

    [Fact]
    public async Task A_finalized_saga_is_deleted()
    {
        var id = NewId.NextGuid();
        await store.Harness.Bus.Publish(new Start(id));
        await store.WaitUntil(rows => rows.Any(r => r.CorrelationId == id), "the insert");

        await store.Harness.Bus.Publish(new Finish(id));

        await store.WaitUntil(rows => rows.All(r => r.CorrelationId != id), "the delete");
    }

    [Fact]
    public async Task A_behaviour_that_throws_commits_nothing_and_faults()
    {
        var id = NewId.NextGuid();
        await store.Harness.Bus.Publish(new Start(id));
        await store.WaitUntil(rows => rows.Any(r => r.CorrelationId == id), "the insert");
        await store.Harness.Bus.Publish(new Increment(id));
        await store.WaitUntil(rows => rows.Single(r => r.CorrelationId == id).Count == 1, "the increment");

        await store.Harness.Bus.Publish(new Explode(id));

        await store.WaitFor(() => store.Harness.Published.Select<Fault<Explode>>(c => c.Context.Message.Message.Id == id).Any(), "Fault<Explode> published");
        Assert.Equal(1, (await store.Row(id))!.Count);
    }

    [Fact]
    public async Task Many_events_for_one_instance_in_parallel_are_all_applied()
    {
        const int events = 50;
        var id = NewId.NextGuid();
        await store.Harness.Bus.Publish(new Start(id));
        await store.WaitUntil(rows => rows.Any(r => r.CorrelationId == id), "the insert");

        await Task.WhenAll(Enumerable.Range(0, events).Select(_ => store.Harness.Bus.Publish(new Increment(id))));

        await store.WaitUntil(rows => rows.Single(r => r.CorrelationId == id).Count == events, $"{events} increments");
        Assert.False(store.Harness.Published.Select<Fault<Increment>>().Any(), "an increment faulted");
    }

    [Fact]
    public async Task A_burst_of_first_messages_for_one_key_creates_one_row_that_counts_them_all()
    {
        const int pings = 30;

        await Task.WhenAll(Enumerable.Range(0, pings).Select(_ => store.Harness.Bus.Publish(new KeyedPing("burst"))));

        var rows = await store.WaitUntil(rows => rows.Where(r => r.Key == "burst").Sum(r => r.Count) == pings, $"{pings} pings counted");
        Assert.Single(rows, r => r.Key == "burst");
    }

    [Fact]
    public async Task Load_and_query_repositories_read_committed_state()
    {
        var id = NewId.NextGuid();
        await store.Harness.Bus.Publish(new Start(id, "readers"));
        await store.WaitUntil(rows => rows.Any(r => r.CorrelationId == id), "the insert");
        var load = store.Services.GetRequiredService<ILoadSagaRepository<Counter>>();
        var query = store.Services.GetRequiredService<IQuerySagaRepository<Counter>>();

        var loaded = await load.Load(id);
        var found = await query.Find(new SagaQuery<Counter>(c => c.Key == "readers"));

        Assert.Equal("Active", loaded?.CurrentState);
        Assert.Equal([id], found);
        Assert.Null(await load.Load(NewId.NextGuid()));
    }

    [Fact]
    public async Task The_row_version_is_the_concurrency_token()
    {
        var id = NewId.NextGuid();
        await store.Harness.Bus.Publish(new Start(id));
        await store.WaitUntil(rows => rows.Any(r => r.CorrelationId == id), "the insert");

        await using var first = store.NewContext();
        await using var second = store.NewContext();
        var a = await first.Counters.SingleAsync(c => c.CorrelationId == id);
        var b = await second.Counters.SingleAsync(c => c.CorrelationId == id);
        a.Count = 7;
        await first.SaveChangesAsync();
        b.Count = 8;

        var conflict = await Assert.ThrowsAsync<DbUpdateConcurrencyException>(() => second.SaveChangesAsync());
        Assert.True(EntityFrameworkSagaRepositoryExtensions.IsSagaStoreConflict(conflict));
    }

    [Fact]
    public async Task A_correlated_message_is_loaded_and_saved_without_savepoints()
    {
        var id = NewId.NextGuid();
        await store.Harness.Bus.Publish(new Start(id));
        await store.WaitUntil(rows => rows.Any(r => r.CorrelationId == id), "the insert");
        var before = store.Savepoints.Count;

        await store.Harness.Bus.Publish(new Increment(id));
        await store.Harness.Bus.Publish(new Increment(id));
        await store.WaitUntil(rows => rows.Single(r => r.CorrelationId == id).Count == 2, "two increments");

        // A failed save fails the whole transaction, which is retried from the start: a savepoint per save would be
        // two more round trips and a subtransaction for nothing.
        Assert.Equal(before, store.Savepoints.Count);
    }

    [Fact]
    public async Task An_insert_first_message_for_an_existing_row_falls_back_to_loading_it()
    {
        var id = NewId.NextGuid();
        await store.Harness.Bus.Publish(new Begin(id));
        await store.WaitUntil(rows => rows.Any(r => r.CorrelationId == id && r.Count == 1), "the first begin");

        // The second insert is a duplicate: the transaction must stay usable (a savepoint around that save only) for
        // MassTransit to load the row and apply the event to it.
        await store.Harness.Bus.Publish(new Begin(id));

        await store.WaitUntil(rows => rows.Single(r => r.CorrelationId == id).Count == 2, "the second begin counted on the existing row");
        Assert.False(store.Harness.Published.Select<Fault<Begin>>(c => c.Context.Message.Message.Id == id).Any(), "a begin faulted");
    }
}
