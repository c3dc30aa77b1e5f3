// Saga transitions per second through the PostgreSQL store: the incident saga on an in-memory bus, agents that
// answer at once, the real store. Each incident makes six transitions (alert, five replies) and ends Escalated
// (the instant remediation is a dry run).
// Then, over that history, what the API's list (GET /incidents?status=Escalated&limit=50) costs: the one-query list
// repository against loading every matching instance one by one (MassTransit's query and load repositories).
//
//   dotnet run -c Release --project tests/Agents.Orchestrator.Bench -- [incidents=300] [runs=3]
//
// Needs POSTGRES_CONNECTION (deploy/local/deps.sh env); each run uses a fresh, migrated database.
using System.Diagnostics;
using System.Globalization;
using Agents.Contracts;
using Agents.Contracts.Alerts;
using Agents.Contracts.Incidents;
using Agents.Hosting;
using Agents.Orchestrator;
using Agents.Orchestrator.Bench;
using Agents.Orchestrator.Incidents;
using Agents.Orchestrator.Persistence;
using Agents.Orchestrator.Workflows;
using Agents.SagaRepository;
using Agents.Testing;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

var incidents = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 300;
var runs = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
const int TransitionsPerIncident = 6;

var rates = new List<double>();
for (var run = 1; run <= runs; run++)
{
    await using var database = await FreshDatabase.Create("agents_bench");
    var (elapsed, processor, list) = await RunOnce(database.ConnectionString, incidents);
    var rate = incidents * TransitionsPerIncident / elapsed.TotalSeconds;
    rates.Add(rate);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"run {run}: {incidents} incidents, {incidents * TransitionsPerIncident} transitions in {elapsed.TotalSeconds:0.00} s = {rate:0} transitions/s; "
        + $"this process's processor time {processor.TotalMilliseconds / (incidents * TransitionsPerIncident):0.00} ms per transition (saga, store client, bus, instant agents)"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"run {run}: newest 50 of {incidents} Escalated, median of 5: one query {list.OneQueryMs:0.0} ms, loading each {list.LoadingEachMs:0.0} ms ({list.LoadingEachMs / list.OneQueryMs:0.0}x)"));
}

rates.Sort();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"saga transitions through the PostgreSQL store: median {rates[rates.Count / 2]:0}/s over {runs} runs of {incidents} incidents (min {rates[0]:0}, max {rates[^1]:0})"));

static async Task<(TimeSpan Elapsed, TimeSpan Processor, (double OneQueryMs, double LoadingEachMs) List)> RunOnce(string connectionString, int incidents)
{
    var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["POSTGRES_CONNECTION"] = connectionString }).Build();
    var services = new ServiceCollection()
        .AddLogging(l => l.AddConsole().SetMinimumLevel(LogLevel.Warning))
        // The in-memory bus needs no broker: the Development defaults stand in for RABBITMQ_URL, the database is set above.
        .AddSingleton(AgentsConnections.From(configuration, isDevelopment: true))
        .AddSingleton(WorkflowCatalog.Of(IncidentWorkflow.Default))
        .AddSingleton(TimeProvider.System)
        .AddIncidentStore()
        .AddMassTransit(x =>
        {
            x.AddDelayedMessageScheduler();
            x.AddOrchestratorConsumers().EntityFrameworkRepository<IncidentState, IncidentDbContext>();
            x.AddConsumer<InstantTriage>().Endpoint(e => e.Name = AgentQueues.Triage);
            x.AddConsumer<InstantContext>().Endpoint(e => e.Name = AgentQueues.Context);
            x.AddConsumer<InstantInvestigation>().Endpoint(e => e.Name = AgentQueues.Investigation);
            x.AddConsumer<InstantRemediation>().Endpoint(e => e.Name = AgentQueues.Remediation);
            x.AddConsumer<InstantNotification>().Endpoint(e => e.Name = AgentQueues.Notification);
            x.AddConfigureEndpointsCallback((context, _, endpoint) =>
            {
                endpoint.UseMessageRetry(r => r.Exponential(10, TimeSpan.FromMilliseconds(20), TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(50)));
                endpoint.UseInMemoryOutbox(context);
            });
            x.UsingInMemory((context, cfg) =>
            {
                cfg.UseDelayedMessageScheduler();
                cfg.ConfigureEndpoints(context);
            });
        })
        .BuildServiceProvider();
    await using var _ = services;
    await IncidentStore.MigrateAsync(services, CancellationToken.None);
    var bus = services.GetRequiredService<IBusControl>();
    await bus.StartAsync();
    try
    {
        var factory = services.GetRequiredService<IDbContextFactory<IncidentDbContext>>();
        var now = DateTimeOffset.UtcNow;
        var processorBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, incidents).Select(i => bus.Publish(new AlertReceived
        {
            IncidentId = NewId.NextGuid(),
            ReceivedAt = now,
            Alert = new AlertPayload
            {
                Format = "generic", Source = "bench", Fingerprint = $"bench-{i}", Summary = "error rate above 20%",
                Service = $"svc-{i % 20}", Severity = "critical", OccurredAt = now,
            },
        })));

        var deadline = DateTime.UtcNow.AddMinutes(5);
        while (true)
        {
            await using var db = await factory.CreateDbContextAsync();
            // The instant agents' remediation is a dry run: every incident ends handed to a human (Escalated).
            var done = await db.Incidents.CountAsync(i => i.CurrentState == IncidentStatuses.Escalated);
            if (done == incidents)
            {
                var elapsed = clock.Elapsed;
                var processor = Process.GetCurrentProcess().TotalProcessorTime - processorBefore;
                return (elapsed, processor, await TimeLists(services));
            }

            var otherwise = await db.Incidents.CountAsync(i => i.CurrentState != IncidentStatuses.Escalated && IncidentStatuses.Terminal.Contains(i.CurrentState));
            if (otherwise > 0 || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException(
                    $"{done} of {incidents} handed over after their dry run, {otherwise} ended otherwise: the benchmark's agents should always answer in time");
            }

            await Task.Delay(20);
        }
    }
    finally
    {
        await bus.StopAsync();
    }
}

static async Task<(double OneQueryMs, double LoadingEachMs)> TimeLists(IServiceProvider services)
{
    using var scope = services.CreateScope();
    var oneQuery = scope.ServiceProvider.GetRequiredService<IListSagaRepository<IncidentState>>();
    var loadingEach = new LoadingListSagaRepository<IncidentState>(
        scope.ServiceProvider.GetRequiredService<IQuerySagaRepository<IncidentState>>(), scope.ServiceProvider.GetRequiredService<ILoadSagaRepository<IncidentState>>());
    return (await Median(oneQuery), await Median(loadingEach));

    static async Task<double> Median(IListSagaRepository<IncidentState> list)
    {
        var times = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            var clock = Stopwatch.StartNew();
            var page = await list.Newest(s => s.CurrentState == IncidentStatuses.Escalated, s => s.CreatedAt, 50, CancellationToken.None);
            times.Add(clock.Elapsed.TotalMilliseconds);
            if (page.Count != 50)
            {
                throw new InvalidOperationException($"the list answered {page.Count} incidents, not 50");
            }
        }

        times.Sort();
        return times[times.Count / 2];
    }
}
