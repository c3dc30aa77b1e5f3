using System.Text.RegularExpressions;
using Agents.Deploy.Tests.Support;

namespace Agents.Deploy.Tests;

/// <summary>
/// docs/configuration.md against the code: every setting a service reads is documented there (in its environment form
/// <c>Section__Key</c> and its <c>Section:Key</c> form), and every setting documented there is read by something. The
/// settings are found in the source of services/ and contracts/ (no build needed):
/// <list type="bullet">
/// <item>the options classes bound to a section (<c>AddValidatedOptions&lt;T&gt;(section)</c>,
/// <c>AddOptions&lt;T&gt;().Bind(configuration.GetSection(section))</c> or <c>.BindConfiguration(section)</c>,
/// <c>Configure&lt;T&gt;(GetSection(section))</c>, <c>GetSection(section).Get&lt;T&gt;()</c>, the context sources'
/// <c>AddContextSource&lt;TSource, TOptions&gt;(name)</c>), each with its public settable properties, those of its base
/// classes and those of nested settings classes;</item>
/// <item>the keys read one by one (<c>configuration["..."]</c>, <c>GetValue&lt;T&gt;("...")</c>,
/// <c>GetConnectionString</c>, <c>Environment.GetEnvironmentVariable</c>), with constants and interpolations resolved;</item>
/// <item>every string literal that is a configuration path (<c>"Catalog:Path"</c>) or an environment variable's name
/// (<c>"RABBITMQ_URL"</c>).</item>
/// </list>
/// A dictionary's key is written <c>&lt;name&gt;</c> in the doc (any word in angle brackets), a list's index <c>0</c>.
/// The doc's keys are the backticked names in the first cell of its tables' rows. A documented name without <c>__</c>
/// or <c>:</c> may also be a variable of the scripts (deploy/local), the manifests (deploy/k8s) or docker-compose.yml.
/// </summary>
public sealed partial class ConfigurationReferenceTests
{
    private const string Doc = "docs/configuration.md";

    /// <summary>Variables read by libraries (OpenTelemetry's SDK, ASP.NET Core's host), not by the project's code.</summary>
    private static readonly HashSet<string> ReadByLibraries = new(StringComparer.Ordinal)
    {
        "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_HEADERS", "OTEL_BSP_SCHEDULE_DELAY", "OTEL_METRIC_EXPORT_INTERVAL",
        "DOTNET_ENVIRONMENT", "ASPNETCORE_ENVIRONMENT",
    };

    /// <summary>Files outside the services whose variables the doc may list (scripts, manifests, compose).</summary>
    private static readonly string[] OtherReaders = ["deploy/local", "deploy/k8s", "docker-compose.yml"];

    private static readonly Lazy<CodeSettings> Code = new(CodeSettings.Scan);

    [Fact]
    public void The_scan_finds_settings_of_every_kind()
    {
        var keys = Code.Value.Keys;

        // One of each way a setting is read, so that a scanner that finds nothing cannot pass the tests below.
        Assert.Contains("Orchestrator:OverdueGrace", keys);                 // an options class
        Assert.Contains("Context:Sources:Loki:TenantId", keys);             // a context source's own setting
        Assert.Contains("Context:Sources:Loki:Timeout", keys);              // inherited from the sources' base class
        Assert.Contains("Context:Bounds:MaxBytes", keys);                   // a section named by interpolation
        Assert.Contains("Ingress:Sources:<>:Token", keys);                  // a dictionary of settings classes
        Assert.Contains("Auth:Jwt:Authority", keys);                        // a nested settings class
        Assert.Contains("Reviewers:FrozenServices:0", keys);                // a list
        Assert.Contains("Notification:Channels:Email:Host", keys);          // AddOptions<T>().Bind(GetSection(...))
        Assert.Contains("Logging:LogLevel:<>", keys);                       // configuration[$"..."]
        Assert.Contains("RabbitMq:Url", keys);                              // a literal path
        Assert.Contains("RABBITMQ_URL", keys);                              // an environment variable
        Assert.Contains("AWS_REGION", keys);
        Assert.True(keys.Count > 150, $"only {keys.Count} settings found in services/ and contracts/");
    }

    [Fact]
    public void Every_setting_the_services_read_is_documented()
    {
        var documented = DocumentedKeys();
        var missing = new List<string>();

        foreach (var (key, where) in Code.Value.KeysWithOrigin.OrderBy(k => k.Key, StringComparer.Ordinal))
        {
            var env = EnvironmentForm(key);
            var found = Code.Value.Sections.Contains(key)
                ? documented.Any(d => d.StartsWith(env + "__", StringComparison.Ordinal))
                : documented.Contains(env) && (!key.Contains(':', StringComparison.Ordinal) || documented.Contains(key));
            if (!found)
            {
                missing.Add(key.Contains(':', StringComparison.Ordinal) ? $"`{env}` / `{key}` ({where})" : $"`{key}` ({where})");
            }
        }

        Assert.True(missing.Count == 0,
            $"{Doc} does not document {missing.Count} setting(s) the code reads; add a row (key in both forms, default, what it does, "
            + $"which services read it) to its table:\n  {string.Join("\n  ", missing)}");
    }

    [Fact]
    public void Every_documented_setting_is_read_somewhere()
    {
        var keys = Code.Value.Keys;
        var others = OtherReaders.SelectMany(FilesUnder).Select(File.ReadAllText).ToList();
        var stale = new List<string>();

        foreach (var token in DocumentedKeys().Order(StringComparer.Ordinal))
        {
            var known = token.Contains("__", StringComparison.Ordinal) || token.Contains(':', StringComparison.Ordinal)
                ? keys.Contains(token.Replace("__", ":", StringComparison.Ordinal))
                  || keys.Contains(token)
                : keys.Contains(token)
                  || ReadByLibraries.Contains(token)
                  || others.Any(text => Regex.IsMatch(text, $@"(?<![\w-]){Regex.Escape(token)}(?![\w-])"));
            if (!known)
            {
                stale.Add(token);
            }
        }

        Assert.True(stale.Count == 0,
            $"{Doc} documents {stale.Count} key(s) that nothing reads (not in services/ or contracts/, not a script's, manifest's or "
            + $"compose variable): remove or correct them:\n  {string.Join("\n  ", stale)}");
    }

    /// <summary>The backticked names in the first cell of every table row of the doc, with placeholders as <c>&lt;&gt;</c>.</summary>
    private static HashSet<string> DocumentedKeys()
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(Repo.PathOf(Doc)))
        {
            var cells = line.Trim().Split('|');
            if (cells.Length < 3 || !line.TrimStart().StartsWith('|') || SeparatorRow().IsMatch(line))
            {
                continue;
            }

            foreach (Match m in BacktickedName().Matches(cells[1]))
            {
                keys.Add(Placeholder().Replace(m.Groups[1].Value, "<>"));
            }
        }

        return keys;
    }

    private static string EnvironmentForm(string key) => key.Replace(":", "__", StringComparison.Ordinal);

    private static IEnumerable<string> FilesUnder(string relative)
    {
        var path = Repo.PathOf(relative);
        return File.Exists(path) ? [path] : Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories);
    }

    [GeneratedRegex(@"^\s*\|(\s*:?-+:?\s*\|)+\s*$")]
    private static partial Regex SeparatorRow();

    [GeneratedRegex(@"`([^`\s]+)`")]
    private static partial Regex BacktickedName();

    [GeneratedRegex(@"<[^<>]*>")]
    private static partial Regex Placeholder();

    /// <summary>The settings found in the source of services/ and contracts/, each with where it was found.</summary>
    private sealed partial class CodeSettings
    {
        /// <summary>Type parameters of the generic registration helpers themselves (their callers are scanned instead).</summary>
        private static readonly HashSet<string> TypeParameters = new(StringComparer.Ordinal) { "T", "TOptions" };

        private readonly List<SourceFile> _files;
        private readonly Dictionary<string, string> _constants = new(StringComparer.Ordinal);

        private CodeSettings(List<SourceFile> files)
        {
            _files = files;
        }

        public Dictionary<string, string> KeysWithOrigin { get; } = new(StringComparer.Ordinal);

        public IReadOnlySet<string> Keys => KeysWithOrigin.Keys.ToHashSet(StringComparer.Ordinal);

        /// <summary>Paths the code spells out that are sections (a documented key must start with them), not keys.</summary>
        public HashSet<string> Sections { get; } = new(StringComparer.Ordinal);

        public static CodeSettings Scan()
        {
            var files = new[] { "services", "contracts" }
                .SelectMany(root => Directory.EnumerateFiles(Repo.PathOf(root), "*.cs", SearchOption.AllDirectories))
                .Where(f => !Regex.IsMatch(f, @"[\\/](obj|bin|Migrations)[\\/]"))
                .Select(f => new SourceFile(Path.GetRelativePath(Repo.Root, f).Replace('\\', '/'), StripComments(File.ReadAllText(f))))
                .ToList();
            var settings = new CodeSettings(files);
            settings.CollectConstants();
            settings.CollectOptionsClasses();
            settings.CollectSpelledOutKeys();
            return settings;
        }

        private void CollectConstants()
        {
            foreach (var file in _files)
            {
                foreach (Match m in Constant().Matches(file.Text))
                {
                    var owner = ClassAt(file.Text, m.Index);
                    _constants[$"{owner}.{m.Groups[1].Value}"] = m.Groups[2].Value;
                    _constants.TryAdd($"{file.Path}#{m.Groups[1].Value}", m.Groups[2].Value);
                }
            }
        }

        private void CollectOptionsClasses()
        {
            foreach (var file in _files)
            {
                foreach (Match m in ValidatedOptions().Matches(file.Text))
                {
                    AddBinding(file, m.Groups["type"].Value, m.Groups["section"].Value);
                }

                foreach (var binding in new[] { BoundOptions(), BoundConfiguration(), ConfiguredFromSection(), ReadFromSection() })
                {
                    foreach (Match m in binding.Matches(file.Text))
                    {
                        AddBinding(file, m.Groups["type"].Value, m.Groups["section"].Value);
                    }
                }

                foreach (Match m in ContextSource().Matches(file.Text))
                {
                    if (TypeParameters.Contains(m.Groups["type"].Value))
                    {
                        continue;
                    }

                    var name = Resolve(file, m.Groups["section"].Value)
                        ?? throw new Xunit.Sdk.XunitException($"{file.Path}: cannot resolve the context source name {m.Groups["section"].Value}");
                    AddProperties(file, m.Groups["type"].Value, "Context:Sources:" + name, []);
                }
            }
        }

        private void AddBinding(SourceFile file, string type, string sectionExpression)
        {
            if (TypeParameters.Contains(type))
            {
                return;
            }

            var section = Resolve(file, sectionExpression)
                ?? throw new Xunit.Sdk.XunitException($"{file.Path}: cannot resolve the section {sectionExpression} of {type}");
            AddProperties(file, type, section, []);
        }

        private void AddProperties(SourceFile registeredIn, string type, string prefix, HashSet<string> seen)
        {
            if (!seen.Add(type))
            {
                return;
            }

            var (file, body, bases) = FindClass(registeredIn, type)
                ?? throw new Xunit.Sdk.XunitException($"{registeredIn.Path}: the options class {type} is not declared in services/ or contracts/");
            foreach (var baseType in bases.Where(b => FindClass(registeredIn, b) is not null))
            {
                AddProperties(registeredIn, baseType, prefix, [.. seen]);
            }

            foreach (Match m in Property().Matches(body))
            {
                if (Depth(body, m.Index) != 1)
                {
                    continue;
                }

                var key = $"{prefix}:{m.Groups["name"].Value}";
                var propertyType = m.Groups["type"].Value.Replace("?", "", StringComparison.Ordinal).Trim();
                if (Dictionary().Match(propertyType) is { Success: true } dictionary)
                {
                    AddValue(registeredIn, dictionary.Groups[1].Value, key + ":<>", seen, file.Path);
                }
                else if (ListOf().Match(propertyType) is { Success: true } list)
                {
                    var element = list.Groups.Values.Skip(1).First(g => g.Success).Value;
                    AddValue(registeredIn, element, key + ":0", seen, file.Path);
                }
                else
                {
                    AddValue(registeredIn, propertyType, key, seen, file.Path);
                }
            }
        }

        private void AddValue(SourceFile registeredIn, string type, string key, HashSet<string> seen, string origin)
        {
            if (FindClass(registeredIn, type) is not null)
            {
                AddProperties(registeredIn, type, key, [.. seen]);
            }
            else
            {
                KeysWithOrigin.TryAdd(key, origin);
            }
        }

        private void CollectSpelledOutKeys()
        {
            foreach (var file in _files)
            {
                foreach (var read in new[] { Indexer(), GetValue(), EnvironmentVariable() })
                {
                    foreach (Match m in read.Matches(file.Text))
                    {
                        if (Resolve(file, m.Groups[1].Value) is { } key && !key.StartsWith("<>", StringComparison.Ordinal))
                        {
                            KeysWithOrigin.TryAdd(key, file.Path);
                        }
                    }
                }

                foreach (Match m in ConnectionString().Matches(file.Text))
                {
                    if (Resolve(file, m.Groups[1].Value) is { } name)
                    {
                        KeysWithOrigin.TryAdd("ConnectionStrings:" + name, file.Path);
                    }
                }

                foreach (Match m in PathLiteral().Matches(file.Text))
                {
                    var path = m.Groups[1].Value;
                    if (KeysWithOrigin.Keys.Any(k => k.StartsWith(path + ":", StringComparison.Ordinal)))
                    {
                        Sections.Add(path);
                    }

                    KeysWithOrigin.TryAdd(path, file.Path);
                }

                foreach (Match m in VariableLiteral().Matches(file.Text))
                {
                    KeysWithOrigin.TryAdd(m.Groups[1].Value, file.Path);
                }
            }
        }

        /// <summary>A section or key expression: a literal, a constant, or an interpolation of constants (others become <c>&lt;&gt;</c>).</summary>
        private string? Resolve(SourceFile file, string expression)
        {
            expression = expression.Trim();
            if (Literal().Match(expression) is { Success: true } literal)
            {
                return literal.Groups[1].Value;
            }

            if (expression.StartsWith("$\"", StringComparison.Ordinal) && expression.EndsWith('"'))
            {
                return Interpolated().Replace(expression[2..^1], m => Constant(file, m.Groups[1].Value) ?? "<>");
            }

            return Constant(file, expression);
        }

        private string? Constant(SourceFile file, string name) =>
            _constants.TryGetValue(name, out var value) ? value
            : _constants.TryGetValue($"{file.Path}#{name}", out value) ? value
            : null;

        private (SourceFile File, string Body, string[] Bases)? FindClass(SourceFile near, string type)
        {
            var candidates = _files
                .Select(f => (File: f, Match: ClassDeclaration(type).Match(f.Text)))
                .Where(c => c.Match.Success)
                .OrderByDescending(c => SharedPrefix(c.File.Path, near.Path))
                .ToList();
            if (candidates.Count == 0)
            {
                return null;
            }

            var (file, match) = candidates[0];
            var open = file.Text.IndexOf('{', match.Index + match.Length);
            var bases = match.Groups["bases"].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Select(b => Regex.Replace(b, @"\(.*$|<.*$", "")).ToArray();
            return (file, file.Text[open..BlockEnd(file.Text, open)], bases);
        }

        private static int SharedPrefix(string a, string b)
        {
            var n = 0;
            while (n < a.Length && n < b.Length && a[n] == b[n])
            {
                n++;
            }

            return n;
        }

        private static string ClassAt(string text, int index)
        {
            string? owner = null;
            foreach (Match m in AnyClass().Matches(text[..index]))
            {
                owner = m.Groups[1].Value;
            }

            return owner ?? "";
        }

        private static int BlockEnd(string text, int open)
        {
            var depth = 0;
            var code = CodeOnly(text);
            for (var i = open; i < code.Length; i++)
            {
                depth += code[i] == '{' ? 1 : code[i] == '}' ? -1 : 0;
                if (depth == 0)
                {
                    return i + 1;
                }
            }

            return text.Length;
        }

        private static int Depth(string body, int index)
        {
            var code = CodeOnly(body[..index]);
            return code.Count(c => c == '{') - code.Count(c => c == '}');
        }

        /// <summary>The text with the contents of string and character literals blanked (same length), for brace counting.</summary>
        private static string CodeOnly(string text) =>
            StringOrChar().Replace(text, m => new string(' ', m.Length));

        private static string StripComments(string text) => LineComment().Replace(text, "");

        [GeneratedRegex(@"(?m)^\s*//.*$")]
        private static partial Regex LineComment();

        [GeneratedRegex(@"""(?:[^""\\\n]|\\.)*""|'(?:[^'\\\n]|\\.)'")]
        private static partial Regex StringOrChar();

        [GeneratedRegex(@"const\s+string\s+(\w+)\s*=\s*""([^""]*)""\s*;")]
        private static partial Regex Constant();

        [GeneratedRegex(@"\b(?:class|record|struct)\s+(\w+)")]
        private static partial Regex AnyClass();

        private static Regex ClassDeclaration(string type) =>
            new($@"\bclass\s+{Regex.Escape(type)}\b(?:\s*\([^)]*\))?(?:\s*:\s*(?<bases>[^{{]+?))?\s*(?:where\b[^{{]*)?(?=\{{)");

        [GeneratedRegex(@"AddValidatedOptions<(?<type>\w+)>\(\s*(?<section>[^()]*?(?:\([^()]*\))?[^()]*?)\s*\)")]
        private static partial Regex ValidatedOptions();

        [GeneratedRegex(@"AddOptions<(?<type>\w+)>\(\)\s*\.Bind\(\s*\w+\.GetSection\(\s*(?<section>[^()]+?)\s*\)\s*\)")]
        private static partial Regex BoundOptions();

        [GeneratedRegex(@"AddOptions<(?<type>\w+)>\(\)\s*\.BindConfiguration\(\s*(?<section>[^()]+?)\s*\)")]
        private static partial Regex BoundConfiguration();

        [GeneratedRegex(@"Configure<(?<type>\w+)>\(\s*[\w.]*GetSection\(\s*(?<section>[^()]+?)\s*\)\s*\)")]
        private static partial Regex ConfiguredFromSection();

        [GeneratedRegex(@"GetSection\(\s*(?<section>[^()]+?)\s*\)\s*\.(?:Get|Bind)<(?<type>\w+)>\(")]
        private static partial Regex ReadFromSection();

        [GeneratedRegex(@"\.GetValue<[\w?]+>\(\s*((?:\$?""[^""]*"")|[\w.]+)\s*[,)]")]
        private static partial Regex GetValue();

        [GeneratedRegex(@"GetEnvironmentVariable\(\s*((?:\$?""[^""]*"")|[\w.]+)\s*\)")]
        private static partial Regex EnvironmentVariable();

        [GeneratedRegex(@"GetConnectionString\(\s*((?:\$?""[^""]*"")|[\w.]+)\s*\)")]
        private static partial Regex ConnectionString();

        [GeneratedRegex(@"AddContextSource<\w+,\s*(?<type>\w+)>\(\s*(?<section>[^()]+?)\s*\)")]
        private static partial Regex ContextSource();

        [GeneratedRegex(@"public\s+(?:required\s+)?(?<type>[\w.]+(?:<[\w\s,.?]+>)?\??(?:\[\])?)\s+(?<name>\w+)\s*\{\s*get;\s*(?:set|init);")]
        private static partial Regex Property();

        [GeneratedRegex(@"^(?:Dictionary|IDictionary|IReadOnlyDictionary)<\s*string\s*,\s*([\w.]+)\s*>$")]
        private static partial Regex Dictionary();

        [GeneratedRegex(@"^(?:List<\s*([\w.]+)\s*>|IList<\s*([\w.]+)\s*>|([\w.]+)\[\])$")]
        private static partial Regex ListOf();

        [GeneratedRegex(@"[Cc]onfiguration\[\s*((?:\$?""[^""]*"")|[\w.]+)\s*\]")]
        private static partial Regex Indexer();

        [GeneratedRegex(@"^""([^""]*)""$")]
        private static partial Regex Literal();

        [GeneratedRegex(@"\{([\w.]+)\}")]
        private static partial Regex Interpolated();

        [GeneratedRegex(@"(?<!\$)""([A-Z][A-Za-z]*(?::[A-Z][A-Za-z]*)+)""")]
        private static partial Regex PathLiteral();

        [GeneratedRegex(@"""([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)""")]
        private static partial Regex VariableLiteral();
    }

    private sealed record SourceFile(string Path, string Text);
}
