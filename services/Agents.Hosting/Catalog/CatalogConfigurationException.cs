namespace Agents.Hosting.Catalog;

/// <summary>
/// The service catalog file is missing or invalid. The message names the file and lists every problem found, each with
/// its place in the file (<c>line L, column C: services[2].kubernetes.workload: ...</c>).
/// </summary>
public sealed class CatalogConfigurationException : Exception
{
    public CatalogConfigurationException(string message)
        : this(message, [])
    {
    }

    public CatalogConfigurationException(string message, IReadOnlyList<string> errors, Exception? innerException = null)
        : base(message, innerException)
    {
        Errors = errors;
    }

    /// <summary>Each problem found, in file order (empty when the file could not be read at all).</summary>
    public IReadOnlyList<string> Errors { get; }
}
