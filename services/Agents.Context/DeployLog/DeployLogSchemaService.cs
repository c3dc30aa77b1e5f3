namespace Agents.Context.DeployLog;

/// <summary>Makes sure the deploy log's table exists before the service takes messages.</summary>
public sealed class DeployLogSchemaService(PostgresDeployLog deployLog) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => deployLog.EnsureSchemaAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
