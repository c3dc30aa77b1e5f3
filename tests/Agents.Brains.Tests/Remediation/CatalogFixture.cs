using Agents.Brains.Tests.Support;
using Agents.Remediation.Runbooks;

namespace Agents.Brains.Tests.Remediation;

/// <summary>The repository's runbook catalog, loaded once.</summary>
public static class CatalogFixture
{
    public static RunbookCatalog Catalog { get; } = RunbookCatalog.Load(RepositoryRoot.File("deploy/runbooks.yaml"));

    /// <summary>Parameters written as <c>name=value;name=value</c>.</summary>
    public static Dictionary<string, string> Parameters(string text) =>
        text.Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.Split('=', 2))
            .ToDictionary(kv => kv[0], kv => kv[1]);
}
