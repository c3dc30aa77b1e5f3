using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Agents.Orchestrator.Persistence;

/// <summary>
/// For <c>dotnet ef migrations add</c> only (it never connects):
/// <c>dotnet tool restore &amp;&amp; dotnet ef migrations add Name -p services/Agents.Orchestrator -o Persistence/Migrations</c>.
/// </summary>
internal sealed class DesignTimeIncidentDbContextFactory : IDesignTimeDbContextFactory<IncidentDbContext>
{
    public IncidentDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<IncidentDbContext>()
            .UseNpgsql("Host=localhost;Database=agents", IncidentStore.Configure)
            .Options);
}
