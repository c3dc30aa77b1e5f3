using System.ComponentModel.DataAnnotations;
using Agents.Hosting;

namespace Agents.Remediation.Brain;

/// <summary>Configuration section <c>Remediation</c>.</summary>
public sealed class RemediationOptions
{
    public const string SectionName = "Remediation";

    /// <summary>
    /// The runbook catalog. A relative path is looked up from the current directory first, then from the
    /// application's directory and each of its parents in turn (so a service started from its build output
    /// finds the repository's <c>deploy/</c> folder); see <see cref="ResolveCatalogPath"/>.
    /// </summary>
    [Required]
    public string CatalogPath { get; set; } = "deploy/runbooks.yaml";

    /// <summary>The catalog's full path (the first existing candidate; else the path from the current directory).</summary>
    public string ResolveCatalogPath() => RepositoryFiles.Resolve(CatalogPath);
}
