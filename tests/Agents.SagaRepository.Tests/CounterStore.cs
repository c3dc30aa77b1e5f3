using Agents.Testing;
using MassTransit;
using MassTransit.Testing;
using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace Agents.SagaRepository.Tests;

/// <summary>
/// A fresh PostgreSQL database with the counters table, and an in-memory bus whose saga repository is the one
/// under test. The server is the one <c>deploy/local/deps.sh env</c> describes (test.sh exports it).
/// </summary>
public sealed class CounterStore : IAsyncLifetime
{
    private FreshDatabase? _database;
    private ServiceProvider? _provider;

    public string ConnectionString => _database!.ConnectionString;

    public ITestHarness Harness { get; private set; } = null!;

    public IServiceProvider Services => _provider!;

    /// <summary>Every savepoint the repository's contexts created, by name.</summary>
    public SavepointLog Savepoints { get; } = new();

    public CounterDbContext NewContext() =>
        new(new DbContextOptionsBuilder<CounterDbContext>().UseNpgsql(ConnectionString).Options);

    public async Task InitializeAsync()
    {
        _database = await FreshDatabase.Create("agents_sagas");
        await using (var db = NewContext())
        {
            await db.Database.EnsureCreatedAsync();
        }

        _provider = new ServiceCollection()
            .AddDbContextFactory<CounterDbContext>(o => o.UseNpgsql(ConnectionString).AddInterceptors(Savepoints))
            .AddMassTransitTestHarness(x =>
            {
                x.AddSagaStateMachine<CounterMachine, Counter>()
                    .EntityFrameworkRepository<Counter, CounterDbContext>()
                    .Endpoint(e => e.ConcurrentMessageLimit = 16);
                x.AddConfigureEndpointsCallback((context, _, endpoint) =>
                {
                    // Conflicts only, so that the fault test sees its exception at once; enough attempts for
                    // 16 concurrent writers of one row on a loaded two-core machine (one CI run needed 10 s for 50).
                    endpoint.UseMessageRetry(r =>
                    {
                        r.HandleSagaStoreConflicts();
                        r.Intervals(Enumerable.Range(1, 100).Select(i => TimeSpan.FromMilliseconds(5 + (i % 7) * 5)).ToArray());
                    });
                    endpoint.UseInMemoryOutbox(context);
                });
            })
            .BuildServiceProvider(true);
        Harness = _provider.GetRequiredService<ITestHarness>();
        await Harness.Start();
    }

    /// <summary>The counter as committed, or null.</summary>
    public async Task<Counter?> Row(Guid id)
    {
        await using var db = NewContext();
        return await db.Counters.AsNoTracking().SingleOrDefaultAsync(c => c.CorrelationId == id);
    }

    /// <summary>Waits (deadline 60 s) until the committed rows satisfy <paramref name="condition"/>.</summary>
    public async Task<List<Counter>> WaitUntil(Func<List<Counter>, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        List<Counter> rows;
        do
        {
            await using var db = NewContext();
            rows = await db.Counters.AsNoTracking().ToListAsync();
            if (condition(rows))
            {
                return rows;
            }

            await Task.Delay(50);
        }
        while (DateTime.UtcNow < deadline);

        Assert.Fail($"{what} did not happen within 60 s; rows: {string.Join(", ", rows.Select(r => $"{r.Key ?? r.CorrelationId.ToString()}={r.Count} ({r.CurrentState})"))}");
        return rows;
    }

    /// <summary>
    /// Waits (deadline 20 s) until <paramref name="condition"/> holds. The harness' own waits end for good once
    /// the bus has been idle for its inactivity timeout, which a shared fixture reaches between tests.
    /// </summary>
    public async Task WaitFor(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"{what} did not happen within 20 s");
            await Task.Delay(20);
        }
    }

    public async Task DisposeAsync()
    {
        if (_provider is not null)
        {
            await _provider.DisposeAsync();
        }

        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}

/// <summary>Counts the savepoints EF creates (each one a round trip and a subtransaction on PostgreSQL).</summary>
public sealed class SavepointLog : DbTransactionInterceptor
{
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public override ValueTask<InterceptionResult> CreatingSavepointAsync(
        DbTransaction transaction, TransactionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _count);
        return ValueTask.FromResult(result);
    }

    public override InterceptionResult CreatingSavepoint(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result)
    {
        Interlocked.Increment(ref _count);
        return result;
    }
}
