namespace Agents.Deploy.Tests.Support;

/// <summary>The repository the tests run in: the nearest folder above the test binaries that holds Agents.sln.</summary>
internal static class Repo
{
    public static string Root { get; } = FindRoot();

    /// <summary>A path in the repository from its '/'-separated relative form.</summary>
    public static string PathOf(string relative) =>
        Path.Combine(Root, relative.Replace('/', Path.DirectorySeparatorChar));

    public static string ReadText(string relative) => File.ReadAllText(PathOf(relative));

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Agents.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No Agents.sln above {AppContext.BaseDirectory}: run the tests from the repository.");
    }
}
