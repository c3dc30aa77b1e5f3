using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Agents.Deploy.Tests.Support;

namespace Agents.Deploy.Tests;

/// <summary>
/// The docs hold together: every relative link in README.md, docs/*.md, deploy/**/*.md and eval/README.md names a file
/// or folder of the repository, and every <c>#anchor</c> into a markdown file (the same one or another) is a heading of
/// that file, by GitHub's rule for heading ids. Links inside code (fenced blocks and inline code) are text, not links.
/// </summary>
public sealed partial class DocsLinksTests
{
    [Fact]
    public void Every_relative_link_and_anchor_in_the_docs_resolves()
    {
        var files = DocumentedFiles();
        Assert.Contains("README.md", files);
        Assert.Contains("docs/README.md", files);

        var links = files.SelectMany(f => DocLinks.Read(f, Repo.ReadText(f))).ToList();
        // The docs link to each other a lot; finding only a handful would mean the reader is broken, not the docs.
        Assert.True(links.Count(l => l.Target.Contains('#', StringComparison.Ordinal)) > 20, $"only {links.Count} links found");

        var problems = DocLinks.Check(links, File.Exists, Directory.Exists, Repo.ReadText, Repo.Root);
        Assert.True(problems.Count == 0, $"{problems.Count} broken link(s):\n  " + string.Join("\n  ", problems));
    }

    [Fact]
    public void A_missing_file_or_heading_is_reported_with_its_place()
    {
        var docs = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["docs/a.md"] = """
                # Page A
                ## Evidence: what the agents look at
                ## Step
                ## Step
                See [b](b.md#thinking-with-a-model-azure-openai), [the step](#step-1), [evidence](#evidence-what-the-agents-look-at).
                Broken: [gone](missing.md), [no heading](b.md#nowhere), [own](#step-2).
                `[in code](missing-too.md)`

                ```
                [in a block](missing-three.md)
                # not a heading
                ```
                Fine: [site](https://example.com/x.md#y), [image](../images/x.png "title"), [folder](../deploy/).
                """,
            ["docs/b.md"] = """
                # Thinking with a model (Azure OpenAI)
                [back](a.md#not-a-heading)
                """,
            ["images/x.png"] = "",
            ["deploy/k8s.yaml"] = "",
        };
        var root = Path.Combine(Path.GetTempPath(), "docs-links-virtual");
        string Relative(string path) => Path.GetRelativePath(root, path).Replace(Path.DirectorySeparatorChar, '/');
        var links = docs.Keys.Where(k => k.EndsWith(".md", StringComparison.Ordinal)).SelectMany(f => DocLinks.Read(f, docs[f])).ToList();

        var problems = DocLinks.Check(
            links,
            path => docs.ContainsKey(Relative(path)),
            path => docs.Keys.Any(k => k.StartsWith(Relative(path).TrimEnd('/') + "/", StringComparison.Ordinal)),
            relative => docs[relative],
            root);

        Assert.Equal(
            [
                "docs/a.md:6: missing.md: no such file",
                "docs/a.md:6: b.md#nowhere: docs/b.md has no heading with the id 'nowhere'",
                "docs/a.md:6: #step-2: docs/a.md has no heading with the id 'step-2'",
                "docs/b.md:2: a.md#not-a-heading: docs/a.md has no heading with the id 'not-a-heading'",
            ],
            problems);
    }

    [Theory]
    [InlineData("Evidence: what the agents look at", "evidence-what-the-agents-look-at")]
    [InlineData("Thinking with a model (Azure OpenAI)", "thinking-with-a-model-azure-openai")]
    [InlineData("Modes (per service, `remediation.mode` in the service catalog)", "modes-per-service-remediationmode-in-the-service-catalog")]
    [InlineData("1. The Secrets (never committed)", "1-the-secrets-never-committed")]
    [InlineData("The service catalog (`deploy/services.yaml`)", "the-service-catalog-deployservicesyaml")]
    [InlineData("Email (`email`)", "email-email")]
    [InlineData("Throughput against the machine's ceiling", "throughput-against-the-machines-ceiling")]
    [InlineData("Chaos: every process and both servers killed under load", "chaos-every-process-and-both-servers-killed-under-load")]
    [InlineData("PagerDuty (Events API v2)", "pagerduty-events-api-v2")]
    [InlineData("Keys of [a link](x.md) and `Section__Key`", "keys-of-a-link-and-section__key")]
    [InlineData("Rounds × participants", "rounds--participants")]
    public void Heading_ids_follow_GitHubs_rule(string heading, string id) => Assert.Equal(id, DocLinks.Slug(heading));

    /// <summary>README.md, docs/*.md, deploy/**/*.md and eval/README.md, '/'-separated and relative to the repository root.</summary>
    private static List<string> DocumentedFiles()
    {
        var files = new List<string> { "README.md", "eval/README.md" };
        files.AddRange(Directory.GetFiles(Repo.PathOf("docs"), "*.md", SearchOption.TopDirectoryOnly).Select(ToRelative));
        files.AddRange(Directory.GetFiles(Repo.PathOf("deploy"), "*.md", SearchOption.AllDirectories).Select(ToRelative));
        return files.Order(StringComparer.Ordinal).ToList();
    }

    private static string ToRelative(string path) => Path.GetRelativePath(Repo.Root, path).Replace(Path.DirectorySeparatorChar, '/');
}

/// <summary>One link of a markdown file: the file ('/'-separated, from the repository root), its line, its target as written.</summary>
internal sealed record DocLink(string File, int Line, string Target);

/// <summary>Reads the links and headings of markdown files and checks the links, as GitHub renders them.</summary>
internal static partial class DocLinks
{
    /// <summary>The inline links and images of <paramref name="text"/>, outside fenced code blocks and inline code.</summary>
    public static IEnumerable<DocLink> Read(string file, string text)
    {
        foreach (var line in Prose(text))
        {
            var withoutCode = InlineCode().Replace(line.Text, "");
            foreach (Match link in InlineLink().Matches(withoutCode))
            {
                yield return new DocLink(file, line.Number, link.Groups["target"].Value);
            }
        }
    }

    /// <summary>Every problem with the relative links among <paramref name="links"/>, as "file:line: target: reason".</summary>
    public static List<string> Check(
        IEnumerable<DocLink> links, Func<string, bool> fileExists, Func<string, bool> directoryExists, Func<string, string> readText, string root)
    {
        var headings = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var link in links)
        {
            var target = link.Target;
            if (IsAbsolute(target))
            {
                continue;
            }

            var hash = target.IndexOf('#', StringComparison.Ordinal);
            var pathPart = Uri.UnescapeDataString(hash < 0 ? target : target[..hash]);
            var anchor = hash < 0 ? null : Uri.UnescapeDataString(target[(hash + 1)..]);
            string relative;
            if (pathPart.Length == 0)
            {
                relative = link.File;
            }
            else
            {
                var baseDir = Path.GetDirectoryName(link.File.Replace('/', Path.DirectorySeparatorChar)) ?? "";
                var full = Path.GetFullPath(Path.Combine(root, baseDir, pathPart.Replace('/', Path.DirectorySeparatorChar)));
                relative = Path.GetRelativePath(root, full).Replace(Path.DirectorySeparatorChar, '/');
                if (relative.StartsWith("..", StringComparison.Ordinal))
                {
                    problems.Add($"{link.File}:{link.Line}: {target}: outside the repository");
                    continue;
                }

                if (!fileExists(full) && !directoryExists(full))
                {
                    problems.Add($"{link.File}:{link.Line}: {target}: no such file");
                    continue;
                }
            }

            if (anchor is null || !relative.EndsWith(".md", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (!headings.TryGetValue(relative, out var ids))
            {
                ids = Ids(readText(relative));
                headings[relative] = ids;
            }

            if (!ids.Contains(anchor))
            {
                problems.Add($"{link.File}:{link.Line}: {target}: {relative} has no heading with the id '{anchor}'");
            }
        }

        return problems;
    }

    /// <summary>The ids GitHub gives the headings of <paramref name="text"/> (a repeated id gets -1, -2, ...), and explicit HTML anchors.</summary>
    public static HashSet<string> Ids(string text)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var line in Prose(text))
        {
            foreach (Match html in HtmlAnchor().Matches(line.Text))
            {
                ids.Add(html.Groups["id"].Value);
            }

            var heading = AtxHeading().Match(line.Text);
            if (!heading.Success)
            {
                continue;
            }

            var slug = Slug(heading.Groups["text"].Value);
            if (seen.TryGetValue(slug, out var count))
            {
                seen[slug] = count + 1;
                ids.Add($"{slug}-{count + 1}");
            }
            else
            {
                seen[slug] = 0;
                ids.Add(slug);
            }
        }

        return ids;
    }

    /// <summary>
    /// A heading's id by GitHub's rule: the rendered text (links as their text, no markup), lower case, every character
    /// that is not a letter, a digit, '-', '_' or a space dropped, and each space made a '-'.
    /// </summary>
    public static string Slug(string heading)
    {
        var text = InlineLink().Replace(heading, m => m.Groups["text"].Value).Trim();
        var slug = new StringBuilder();
        foreach (var c in text.ToLower(CultureInfo.InvariantCulture))
        {
            if (char.IsLetterOrDigit(c) || c is '-' or '_')
            {
                slug.Append(c);
            }
            else if (c == ' ')
            {
                slug.Append('-');
            }
        }

        return slug.ToString();
    }

    private static bool IsAbsolute(string target) =>
        target.StartsWith("//", StringComparison.Ordinal) || UriScheme().IsMatch(target);

    /// <summary>The lines of <paramref name="text"/> outside fenced code blocks, numbered from 1.</summary>
    private static IEnumerable<(int Number, string Text)> Prose(string text)
    {
        string? fence = null;
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var trimmed = lines[i].TrimStart();
            var opener = Fence().Match(trimmed);
            if (fence is null && opener.Success)
            {
                fence = opener.Groups["fence"].Value;
                continue;
            }

            if (fence is not null)
            {
                if (trimmed.StartsWith(fence, StringComparison.Ordinal) && trimmed.TrimEnd().Trim(fence[0]).Length == 0)
                {
                    fence = null;
                }

                continue;
            }

            yield return (i + 1, lines[i]);
        }
    }

    [GeneratedRegex(@"^(?<fence>`{3,}|~{3,})")]
    private static partial Regex Fence();

    [GeneratedRegex(@"^ {0,3}#{1,6}[ \t]+(?<text>.*?)(?:[ \t]+#+)?[ \t]*$")]
    private static partial Regex AtxHeading();

    [GeneratedRegex(@"(`+)(?:(?!\1).)+?\1")]
    private static partial Regex InlineCode();

    /// <summary>[text](target) or ![alt](target "title"); the text may hold one level of brackets (an image inside a link).</summary>
    [GeneratedRegex(@"!?\[(?<text>(?:[^\[\]]|\[[^\[\]]*\])*)\]\(\s*<?(?<target>[^)\s>]+)>?(?:\s+""[^""]*"")?\s*\)")]
    private static partial Regex InlineLink();

    [GeneratedRegex(@"<a\s+(?:name|id)=""(?<id>[^""]+)""")]
    private static partial Regex HtmlAnchor();

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9+.-]*:")]
    private static partial Regex UriScheme();
}
