namespace Agents.Hosting;

/// <summary>Finds configuration files given as paths relative to the repository (e.g. <c>deploy/workflows.yaml</c>).</summary>
public static class RepositoryFiles
{
    /// <summary>
    /// An absolute path is returned as it is. A relative one is looked up from the current directory, then
    /// from the application's directory and each of its parents (so a service started from its build output
    /// still finds the repository's <c>deploy/</c> folder). Returns the first existing file, or the path
    /// relative to the current directory when none exists, so that the caller's error names it.
    /// </summary>
    public static string Resolve(string path)
    {
        if (Path.IsPathRooted(path))
        {
            return path;
        }

        var fromCurrent = Path.GetFullPath(path);
        if (File.Exists(fromCurrent))
        {
            return fromCurrent;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, path);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return fromCurrent;
    }
}
