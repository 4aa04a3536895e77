// Opens the report in headless Chromium (Debian's /usr/bin/chromium): no console errors, and every chart has a
// non-zero box and drawn content. The DOM probe is injected into a copy of the report, so the report itself stays
// script-free. Skips with a message when chromium is not installed.
using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

using Neutron.Tests.Shared;

namespace Neutron.Results.Tests.Report;

[Trait("Category", "Slow")]
public class ChromiumReportTests(ITestOutputHelper output)
{
    private const string Chromium = "/usr/bin/chromium";

    // Measures each chart after layout and writes the result into the DOM, which --dump-dom prints.
    private const string Probe = """
        <script>
        window.__errors = [];
        window.addEventListener('error', e => window.__errors.push(String(e.message)));
        window.addEventListener('load', () => {
          const charts = [...document.querySelectorAll('svg.chart')].map(s => {
            const r = s.getBoundingClientRect(), b = s.getBBox();
            return { name: s.dataset.chart, width: r.width, height: r.height, contentWidth: b.width, contentHeight: b.height, shapes: s.querySelectorAll('rect,line,polyline,polygon,circle').length };
          });
          const pre = document.createElement('pre');
          pre.id = 'probe';
          pre.textContent = JSON.stringify({ charts, errors: window.__errors });
          document.body.appendChild(pre);
        });
        </script>
        """;

    [FactRequiringFile("/usr/bin/chromium", "Debian's chromium")]
    public void ReportRendersInHeadlessChromiumWithoutConsoleErrors()
    {
        using var temp = new TempDirectory();
        string dir = temp.Path;
        var (html, _) = HtmlReportTests.WriteFull(dir);

        // 1. The report as shipped: screenshot, and Chromium's log must hold no console message.
        string shot = Path.Combine(dir, "report.png");
        var (_, log) = Run(dir, $"--screenshot={shot} --window-size=1200,3000 --hide-scrollbars --enable-logging=stderr --v=0", html);
        var console = log.Split('\n').Where(l => l.Contains("CONSOLE", StringComparison.Ordinal)).ToArray();
        Assert.True(console.Length == 0, "console messages:\n" + string.Join('\n', console));
        Assert.True(File.Exists(shot) && new FileInfo(shot).Length > 20_000, $"no usable screenshot at {shot}");
        output.WriteLine($"screenshot: {shot}");

        // The first screen as a reader sees it (docs/report-first-screen.png is this picture: set
        // NEUTRON_DOCS_SCREENSHOT=docs/report-first-screen.png to refresh it).
        string first = Path.Combine(dir, "first-screen.png");
        Run(dir, $"--screenshot={first} --window-size=1200,900 --hide-scrollbars", html);
        Assert.True(File.Exists(first) && new FileInfo(first).Length > 20_000, $"no usable first-screen screenshot at {first}");
        if (Environment.GetEnvironmentVariable("NEUTRON_DOCS_SCREENSHOT") is { Length: > 0 } docs) File.Copy(first, docs, overwrite: true);

        // 2. A probed copy: every chart laid out with a non-zero box and drawn shapes.
        string probed = Path.Combine(dir, "probed.html");
        File.WriteAllText(probed, File.ReadAllText(html).Replace("</body>", Probe + "</body>", StringComparison.Ordinal));
        var (dom, _) = Run(dir, "--dump-dom --window-size=1200,3000", probed);
        var match = Regex.Match(dom, "<pre id=\"probe\">(.*?)</pre>", RegexOptions.Singleline);
        Assert.True(match.Success, "the probe did not run; DOM starts:\n" + dom[..Math.Min(500, dom.Length)]);
        using var result = JsonDocument.Parse(System.Net.WebUtility.HtmlDecode(match.Groups[1].Value));
        Assert.Equal(0, result.RootElement.GetProperty("errors").GetArrayLength());
        var charts = result.RootElement.GetProperty("charts").EnumerateArray().ToArray();
        Assert.Equal(7, charts.Length);
        foreach (var c in charts)
        {
            string name = c.GetProperty("name").GetString()!;
            output.WriteLine($"{name}: {c.GetProperty("width").GetDouble()}×{c.GetProperty("height").GetDouble()}, {c.GetProperty("shapes").GetInt32()} shapes");
            Assert.True(c.GetProperty("width").GetDouble() > 100 && c.GetProperty("height").GetDouble() > 100, $"{name} has no size");
            Assert.True(c.GetProperty("contentWidth").GetDouble() > 50 && c.GetProperty("contentHeight").GetDouble() > 50, $"{name} drew nothing");
            Assert.True(c.GetProperty("shapes").GetInt32() >= 5, $"{name} has too few shapes");
        }
    }

    private static (string Stdout, string Stderr) Run(string dir, string flags, string file)
    {
        string profile = Directory.CreateTempSubdirectory("neutron-chromium-profile-").FullName;
        var psi = new ProcessStartInfo(Chromium,
            "--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking " +
            $"--disable-component-update --disable-sync --user-data-dir={profile} {flags} file://{file}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = dir,
        };
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(120_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("chromium did not finish within 120 s");
        }
        try { Directory.Delete(profile, recursive: true); } catch (IOException) { }
        return (stdout.Result, stderr.Result);
    }
}
