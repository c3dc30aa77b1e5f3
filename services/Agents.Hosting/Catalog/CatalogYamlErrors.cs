using YamlDotNet.RepresentationModel;

namespace Agents.Hosting.Catalog;

/// <summary>The problems found while reading a catalog file, each with its place (<c>line L, column C: path: what</c>).</summary>
internal sealed class CatalogYamlErrors
{
    private readonly List<(long Line, long Column, int Order, string Text)> _errors = [];

    public int Count => _errors.Count;

    public void Add(YamlNode node, string path, string message)
    {
        var place = $"line {node.Start.Line}, column {node.Start.Column}";
        var text = path.Length == 0 ? $"{place}: {message}" : $"{place}: {path}: {message}";
        _errors.Add((node.Start.Line, node.Start.Column, _errors.Count, text));
    }

    /// <summary>Every problem, in the order of their places in the file.</summary>
    public IReadOnlyList<string> InFileOrder() =>
        _errors.OrderBy(e => e.Line).ThenBy(e => e.Column).ThenBy(e => e.Order).Select(e => e.Text).ToList();
}
