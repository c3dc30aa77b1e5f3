using Agents.Hosting;
using Agents.Hosting.Catalog;
using Agents.Hosting.Remediation;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Agents.Remediation.Control;

public static class RemediationControlExtensions
{
    /// <summary>
    /// The execution ledger (<see cref="IExecutionLedger"/>, its tables created when the service starts), the kill
    /// switch, the service catalog and <see cref="RemediationControls"/>, with <see cref="RemediationControlOptions"/>
    /// from section <c>Remediation</c>.
    /// </summary>
    public static WebApplicationBuilder AddRemediationControls(this WebApplicationBuilder builder)
    {
        builder.AddValidatedOptions<RemediationControlOptions>(RemediationControlOptions.SectionName);
        builder.AddServiceCatalog();
        builder.AddRemediationKillSwitch();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<PostgresExecutionLedger>();
        builder.Services.AddSingleton<IExecutionLedger>(sp => sp.GetRequiredService<PostgresExecutionLedger>());
        // Before the bus: no command is taken until the ledger's tables exist.
        builder.Services.AddHostedService<ExecutionLedgerCreator>();
        builder.Services.AddSingleton<RemediationControls>();
        return builder;
    }

    /// <summary>Creates the ledger's tables when the service starts.</summary>
    private sealed class ExecutionLedgerCreator(PostgresExecutionLedger ledger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => ledger.CreateAsync(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
