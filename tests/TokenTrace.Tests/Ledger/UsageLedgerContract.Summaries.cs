using System.Globalization;

namespace TokenTrace.Tests;

/// <summary>
/// Summaries checked against totals computed by hand from a small fixed set of records — not against
/// <see cref="UsageSummaryBuilder"/>, which two of the three ledgers summarize with. Keys follow the documented
/// format: <c>hour</c> is <c>yyyy-MM-ddTHH:00</c>, <c>day</c> is <c>yyyy-MM-dd</c>, <c>week</c> is the date of its
/// Monday and <c>month</c> is <c>yyyy-MM</c>, all in the summary's time zone. Rows come by time when a time dimension
/// is present, else most expensive first (then most tokens). Energy and emissions are sums of exact binary fractions,
/// so every store must return them exactly; they are compared to 1e-9 all the same.
/// </summary>
public abstract partial class UsageLedgerContract
{
    private static readonly UsageRecord[] Sample =
    [
        // 2026-10-31 is a Saturday, 2026-11-01 a Sunday, 2026-11-02 a Monday.
        //  id     UTC instant               model                provider     project job      team      input cRead cW5m cW1h output reas  cost     energy Wh          CO2e g
        S("r01", "2026-10-31T09:15:00Z", "claude-sonnet-4-5", "anthropic", "web", "build", "red", 1000, 200, 50, 0, 300, 0, 0.010m, E(0.5, 1, 2), E(0.25, 0.5, 1)),
        S("r02", "2026-10-31T09:45:00Z", "gpt-4o", "openai", "web", "test", "blue", 2000, 0, 0, 0, 100, 40, 0.020m, null, null),
        S("r03", "2026-10-31T23:30:00Z", "claude-sonnet-4-5", "anthropic", "docs", "build", "red", 500, 1000, 0, 100, 50, 0, null, E(0.25, 0.5, 1), E(0.125, 0.25, 0.5)),
        S("r04", "2026-11-01T00:10:00Z", "gemini-2.5-pro", "google", "docs", null, null, 300, 0, 0, 0, 30, 0, 0.003m, E(1, 2, 4), E(0.5, 1, 2)),
        S("r05", "2026-11-01T12:00:00Z", "gpt-4o", "openai", "web", "build", "blue", 4000, 500, 0, 0, 400, 100, 0.050m, E(2, 4, 8), E(1, 2, 4)),
        S("r06", "2026-11-01T12:59:59Z", "claude-sonnet-4-5", "anthropic", null, null, "red", 10, 0, 0, 0, 5, 0, null, null, null),
        S("r07", "2026-11-02T00:00:00Z", "gpt-4o", "openai", "docs", "test", "red", 100, 50, 25, 25, 20, 0, 0.001m, E(0.125, 0.25, 0.5), E(0.0625, 0.125, 0.25)),
        S("r08", "2026-11-02T08:30:00Z", "claude-sonnet-4-5", "anthropic", "web", "test", "blue", 800, 0, 200, 0, 80, 0, 0.008m, E(0.5, 1, 2), E(0.25, 0.5, 1)),
        S("r09", "2026-11-02T08:31:00Z", "gemini-2.5-pro", "google", "web", "build", null, 600, 300, 0, 0, 60, 20, null, null, null),
        S("r10", "2026-11-03T17:00:00Z", "claude-sonnet-4-5", "anthropic", "docs", "build", "blue", 1500, 2500, 100, 200, 150, 0, 0.015m, E(1, 2, 4), E(0.75, 1.5, 3)),
        S("r11", "2026-11-03T17:20:00Z", "gpt-4o", "openai", "docs", "test", "red", 700, 0, 0, 0, 70, 0, 0.007m, null, null),
        S("r12", "2026-11-03T23:59:59Z", "gemini-2.5-pro", "google", "web", "test", "green", 200, 0, 0, 0, 20, 0, 0.002m, E(0.25, 0.5, 1), E(0.125, 0.25, 0.5)),
        S("r13", "2026-11-03T09:00:00Z", "llama-3.1-8b", "ollama", "docs", "build", "green", 50, 0, 0, 0, 5, 0, 0m, null, null),
    ];

    //                                  records input cRead cW5m cW1h output reas cost  unpriced estimated energy Wh CO2e g
    private static readonly Totals SampleTotal = T("", 13, 11760, 4550, 375, 325, 1290, 160, 0.116m, 3, 8, E(5.625, 11.25, 22.5), E(3.0625, 6.125, 12.25));

    [Fact]
    public async Task Summary_by_model_matches_hand_computed_totals()
    {
        var summary = await SummarizeSampleAsync("model");
        AssertTotals(summary, SampleTotal,
            T("model=gpt-4o", 4, 6800, 550, 25, 25, 590, 140, 0.078m, 0, 2, E(2.125, 4.25, 8.5), E(1.0625, 2.125, 4.25)),
            T("model=claude-sonnet-4-5", 5, 3810, 3700, 350, 300, 585, 0, 0.033m, 2, 4, E(2.25, 4.5, 9), E(1.375, 2.75, 5.5)),
            T("model=gemini-2.5-pro", 3, 1100, 300, 0, 0, 110, 20, 0.005m, 1, 2, E(1.25, 2.5, 5), E(0.625, 1.25, 2.5)),
            T("model=llama-3.1-8b", 1, 50, 0, 0, 0, 5, 0, 0m, 0, 0, null, null));
    }

    [Fact]
    public async Task Summary_by_project_matches_hand_computed_totals_with_a_group_for_records_without_one()
    {
        var summary = await SummarizeSampleAsync("project");
        AssertTotals(summary, SampleTotal,
            T("project=web", 6, 8600, 1000, 250, 0, 960, 160, 0.090m, 1, 4, E(3.25, 6.5, 13), E(1.625, 3.25, 6.5)),
            T("project=docs", 6, 3150, 3550, 125, 325, 325, 0, 0.026m, 1, 4, E(2.375, 4.75, 9.5), E(1.4375, 2.875, 5.75)),
            T("project=<null>", 1, 10, 0, 0, 0, 5, 0, 0m, 1, 0, null, null));
    }

    [Fact]
    public async Task Summary_by_job_matches_hand_computed_totals()
    {
        var summary = await SummarizeSampleAsync("job");
        AssertTotals(summary, SampleTotal,
            T("job=build", 6, 7650, 4500, 150, 300, 965, 120, 0.075m, 2, 4, E(3.75, 7.5, 15), E(2.125, 4.25, 8.5)),
            T("job=test", 5, 3800, 50, 225, 25, 290, 40, 0.038m, 0, 3, E(0.875, 1.75, 3.5), E(0.4375, 0.875, 1.75)),
            T("job=<null>", 2, 310, 0, 0, 0, 35, 0, 0.003m, 1, 1, E(1, 2, 4), E(0.5, 1, 2)));
    }

    [Fact]
    public async Task Summary_by_tag_matches_hand_computed_totals()
    {
        var summary = await SummarizeSampleAsync("tag:team");
        AssertTotals(summary, SampleTotal,
            T("tag:team=blue", 4, 8300, 3000, 300, 200, 730, 140, 0.093m, 0, 3, E(3.5, 7, 14), E(2, 4, 8)),
            T("tag:team=red", 5, 2310, 1250, 75, 125, 445, 0, 0.018m, 2, 3, E(0.875, 1.75, 3.5), E(0.4375, 0.875, 1.75)),
            T("tag:team=<null>", 2, 900, 300, 0, 0, 90, 20, 0.003m, 1, 1, E(1, 2, 4), E(0.5, 1, 2)),
            T("tag:team=green", 2, 250, 0, 0, 0, 25, 0, 0.002m, 0, 1, E(0.25, 0.5, 1), E(0.125, 0.25, 0.5)));
    }

    [Fact]
    public async Task Summary_by_day_week_and_month_in_utc_matches_hand_computed_totals()
    {
        AssertTotals(await SummarizeSampleAsync("day"), SampleTotal,
            T("day=2026-10-31", 3, 3500, 1200, 50, 100, 450, 40, 0.030m, 1, 2, E(0.75, 1.5, 3), E(0.375, 0.75, 1.5)),
            T("day=2026-11-01", 3, 4310, 500, 0, 0, 435, 100, 0.053m, 1, 2, E(3, 6, 12), E(1.5, 3, 6)),
            T("day=2026-11-02", 3, 1500, 350, 225, 25, 160, 20, 0.009m, 1, 2, E(0.625, 1.25, 2.5), E(0.3125, 0.625, 1.25)),
            T("day=2026-11-03", 4, 2450, 2500, 100, 200, 245, 0, 0.024m, 0, 2, E(1.25, 2.5, 5), E(0.875, 1.75, 3.5)));

        // Weeks start on Monday: Saturday 31 October and Sunday 1 November belong to the week of 26 October.
        AssertTotals(await SummarizeSampleAsync("week"), SampleTotal,
            T("week=2026-10-26", 6, 7810, 1700, 50, 100, 885, 140, 0.083m, 2, 4, E(3.75, 7.5, 15), E(1.875, 3.75, 7.5)),
            T("week=2026-11-02", 7, 3950, 2850, 325, 225, 405, 20, 0.033m, 1, 4, E(1.875, 3.75, 7.5), E(1.1875, 2.375, 4.75)));

        AssertTotals(await SummarizeSampleAsync("month"), SampleTotal,
            T("month=2026-10", 3, 3500, 1200, 50, 100, 450, 40, 0.030m, 1, 2, E(0.75, 1.5, 3), E(0.375, 0.75, 1.5)),
            T("month=2026-11", 10, 8260, 3350, 325, 225, 840, 120, 0.086m, 2, 6, E(4.875, 9.75, 19.5), E(2.6875, 5.375, 10.75)));
    }

    [Fact]
    public async Task Summary_by_hour_in_utc_matches_hand_computed_totals()
    {
        AssertTotals(await SummarizeSampleAsync("hour"), SampleTotal,
            T("hour=2026-10-31T09:00", 2, 3000, 200, 50, 0, 400, 40, 0.030m, 0, 1, E(0.5, 1, 2), E(0.25, 0.5, 1)),
            T("hour=2026-10-31T23:00", 1, 500, 1000, 0, 100, 50, 0, 0m, 1, 1, E(0.25, 0.5, 1), E(0.125, 0.25, 0.5)),
            T("hour=2026-11-01T00:00", 1, 300, 0, 0, 0, 30, 0, 0.003m, 0, 1, E(1, 2, 4), E(0.5, 1, 2)),
            T("hour=2026-11-01T12:00", 2, 4010, 500, 0, 0, 405, 100, 0.050m, 1, 1, E(2, 4, 8), E(1, 2, 4)),
            T("hour=2026-11-02T00:00", 1, 100, 50, 25, 25, 20, 0, 0.001m, 0, 1, E(0.125, 0.25, 0.5), E(0.0625, 0.125, 0.25)),
            T("hour=2026-11-02T08:00", 2, 1400, 300, 200, 0, 140, 20, 0.008m, 1, 1, E(0.5, 1, 2), E(0.25, 0.5, 1)),
            T("hour=2026-11-03T09:00", 1, 50, 0, 0, 0, 5, 0, 0m, 0, 0, null, null),
            T("hour=2026-11-03T17:00", 2, 2200, 2500, 100, 200, 220, 0, 0.022m, 0, 1, E(1, 2, 4), E(0.75, 1.5, 3)),
            T("hour=2026-11-03T23:00", 1, 200, 0, 0, 0, 20, 0, 0.002m, 0, 1, E(0.25, 0.5, 1), E(0.125, 0.25, 0.5)));
    }

    [Fact]
    public async Task Summary_by_day_in_a_half_hour_zone_matches_hand_computed_totals()
    {
        // Asia/Kolkata is UTC+05:30: r03 (23:30Z) falls on 1 November and r12 (23:59:59Z) on 4 November.
        AssertTotals(await SummarizeSampleAsync("day", zone: "Asia/Kolkata"), SampleTotal,
            T("day=2026-10-31", 2, 3000, 200, 50, 0, 400, 40, 0.030m, 0, 1, E(0.5, 1, 2), E(0.25, 0.5, 1)),
            T("day=2026-11-01", 4, 4810, 1500, 0, 100, 485, 100, 0.053m, 2, 3, E(3.25, 6.5, 13), E(1.625, 3.25, 6.5)),
            T("day=2026-11-02", 3, 1500, 350, 225, 25, 160, 20, 0.009m, 1, 2, E(0.625, 1.25, 2.5), E(0.3125, 0.625, 1.25)),
            T("day=2026-11-03", 3, 2250, 2500, 100, 200, 225, 0, 0.022m, 0, 1, E(1, 2, 4), E(0.75, 1.5, 3)),
            T("day=2026-11-04", 1, 200, 0, 0, 0, 20, 0, 0.002m, 0, 1, E(0.25, 0.5, 1), E(0.125, 0.25, 0.5)));
    }

    [Fact]
    public async Task Summary_by_two_dimensions_matches_hand_computed_totals()
    {
        // Two groups cost nothing (one unpriced, one free): the one with more tokens comes first.
        AssertTotals(await SummarizeSampleAsync("model,project"), SampleTotal,
            T("model=gpt-4o|project=web", 2, 6000, 500, 0, 0, 500, 140, 0.070m, 0, 1, E(2, 4, 8), E(1, 2, 4)),
            T("model=claude-sonnet-4-5|project=web", 2, 1800, 200, 250, 0, 380, 0, 0.018m, 0, 2, E(1, 2, 4), E(0.5, 1, 2)),
            T("model=claude-sonnet-4-5|project=docs", 2, 2000, 3500, 100, 300, 200, 0, 0.015m, 1, 2, E(1.25, 2.5, 5), E(0.875, 1.75, 3.5)),
            T("model=gpt-4o|project=docs", 2, 800, 50, 25, 25, 90, 0, 0.008m, 0, 1, E(0.125, 0.25, 0.5), E(0.0625, 0.125, 0.25)),
            T("model=gemini-2.5-pro|project=docs", 1, 300, 0, 0, 0, 30, 0, 0.003m, 0, 1, E(1, 2, 4), E(0.5, 1, 2)),
            T("model=gemini-2.5-pro|project=web", 2, 800, 300, 0, 0, 80, 20, 0.002m, 1, 1, E(0.25, 0.5, 1), E(0.125, 0.25, 0.5)),
            T("model=llama-3.1-8b|project=docs", 1, 50, 0, 0, 0, 5, 0, 0m, 0, 0, null, null),
            T("model=claude-sonnet-4-5|project=<null>", 1, 10, 0, 0, 0, 5, 0, 0m, 1, 0, null, null));

        AssertTotals(await SummarizeSampleAsync("project,week"), SampleTotal,
            T("project=web|week=2026-10-26", 3, 7000, 700, 50, 0, 800, 140, 0.080m, 0, 2, E(2.5, 5, 10), E(1.25, 2.5, 5)),
            T("project=docs|week=2026-10-26", 2, 800, 1000, 0, 100, 80, 0, 0.003m, 1, 2, E(1.25, 2.5, 5), E(0.625, 1.25, 2.5)),
            T("project=<null>|week=2026-10-26", 1, 10, 0, 0, 0, 5, 0, 0m, 1, 0, null, null),
            T("project=docs|week=2026-11-02", 4, 2350, 2550, 125, 225, 245, 0, 0.023m, 0, 2, E(1.125, 2.25, 4.5), E(0.8125, 1.625, 3.25)),
            T("project=web|week=2026-11-02", 3, 1600, 300, 200, 0, 160, 20, 0.010m, 1, 2, E(0.75, 1.5, 3), E(0.375, 0.75, 1.5)));
    }

    [Fact]
    public async Task Summaries_with_filters_match_hand_computed_totals()
    {
        // By project: only the six "web" records.
        AssertTotals(await SummarizeSampleAsync("model", new UsageQuery { Project = "web" }),
            T("", 6, 8600, 1000, 250, 0, 960, 160, 0.090m, 1, 4, E(3.25, 6.5, 13), E(1.625, 3.25, 6.5)),
            T("model=gpt-4o", 2, 6000, 500, 0, 0, 500, 140, 0.070m, 0, 1, E(2, 4, 8), E(1, 2, 4)),
            T("model=claude-sonnet-4-5", 2, 1800, 200, 250, 0, 380, 0, 0.018m, 0, 2, E(1, 2, 4), E(0.5, 1, 2)),
            T("model=gemini-2.5-pro", 2, 800, 300, 0, 0, 80, 20, 0.002m, 1, 1, E(0.25, 0.5, 1), E(0.125, 0.25, 0.5)));

        // On hour edges (SQLite may answer from its hourly rollup): r07 at the start is in, r10 at the end is out.
        var onEdges = new UsageQuery { Since = At("2026-11-02T00:00:00Z"), Until = At("2026-11-03T17:00:00Z") };
        AssertTotals(await SummarizeSampleAsync("model", onEdges),
            T("", 4, 1550, 350, 225, 25, 165, 20, 0.009m, 1, 2, E(0.625, 1.25, 2.5), E(0.3125, 0.625, 1.25)),
            T("model=claude-sonnet-4-5", 1, 800, 0, 200, 0, 80, 0, 0.008m, 0, 1, E(0.5, 1, 2), E(0.25, 0.5, 1)),
            T("model=gpt-4o", 1, 100, 50, 25, 25, 20, 0, 0.001m, 0, 1, E(0.125, 0.25, 0.5), E(0.0625, 0.125, 0.25)),
            T("model=gemini-2.5-pro", 1, 600, 300, 0, 0, 60, 20, 0m, 1, 0, null, null),
            T("model=llama-3.1-8b", 1, 50, 0, 0, 0, 5, 0, 0m, 0, 0, null, null));

        // Off hour edges: r06 at the start second is in, r09 at the end minute is out.
        var offEdges = new UsageQuery { Since = At("2026-11-01T12:59:59Z"), Until = At("2026-11-02T08:31:00Z") };
        AssertTotals(await SummarizeSampleAsync("day", offEdges),
            T("", 3, 910, 50, 225, 25, 105, 0, 0.009m, 1, 2, E(0.625, 1.25, 2.5), E(0.3125, 0.625, 1.25)),
            T("day=2026-11-01", 1, 10, 0, 0, 0, 5, 0, 0m, 1, 0, null, null),
            T("day=2026-11-02", 2, 900, 50, 225, 25, 100, 0, 0.009m, 0, 2, E(0.625, 1.25, 2.5), E(0.3125, 0.625, 1.25)));

        // Nothing matches: an empty summary, not an error.
        AssertTotals(await SummarizeSampleAsync("model", new UsageQuery { Project = "nobody" }), T("", 0, 0, 0, 0, 0, 0, 0, 0m, 0, 0, null, null));
    }

    // Twelve records around the DST changes of Europe/Paris (29 March and 25 October 2026, both Sundays), each with
    // its own power of two as input tokens so that a group's input says which records it holds. Every record has one
    // output token and costs input/1000 USD, except p3/f3, which are unpriced; p2, p5, f2 and f5 have estimates.
    private static readonly UsageRecord[] ParisDst =
    [
        D("p1", "2026-03-28T22:59:59Z", 1, 0.001m),                      // Sat 23:59:59 CET
        D("p2", "2026-03-28T23:00:00Z", 2, 0.002m, E(1, 2, 4), E(0.5, 1, 2)), // Sun 00:00 CET: the 23-hour day begins
        D("p3", "2026-03-29T00:59:00Z", 4, null),                          // 01:59 CET
        D("p4", "2026-03-29T01:00:00Z", 8, 0.008m),                        // 03:00 CEST: 02:00-03:00 does not exist
        D("p5", "2026-03-29T21:59:00Z", 16, 0.016m, E(0.25, 0.5, 1), E(0.125, 0.25, 0.5)), // 23:59 CEST
        D("p6", "2026-03-29T22:00:00Z", 32, 0.032m),                       // Mon 00:00 CEST: a new day and week
        D("f1", "2026-10-24T21:59:00Z", 64, 0.064m),                       // Sat 23:59 CEST
        D("f2", "2026-10-24T22:00:00Z", 128, 0.128m, E(1, 2, 4), E(0.5, 1, 2)), // Sun 00:00 CEST: the 25-hour day begins
        D("f3", "2026-10-25T00:30:00Z", 256, null),                        // 02:30 CEST
        D("f4", "2026-10-25T01:30:00Z", 512, 0.512m),                      // 02:30 CET, the repeated hour
        D("f5", "2026-10-25T22:59:00Z", 1024, 1.024m, E(0.25, 0.5, 1), E(0.125, 0.25, 0.5)), // 23:59 CET
        D("f6", "2026-10-25T23:00:00Z", 2048, 2.048m),                     // Mon 00:00 CET
    ];

    // The same shape around America/New_York's changes (8 March and 1 November 2026, both Sundays).
    private static readonly UsageRecord[] NewYorkDst =
    [
        D("n1", "2026-03-08T04:59:00Z", 1, 0.001m),                        // Sat 23:59 EST
        D("n2", "2026-03-08T05:00:00Z", 2, 0.002m, E(1, 2, 4), E(0.5, 1, 2)), // Sun 00:00 EST: the 23-hour day begins
        D("n3", "2026-03-08T06:30:00Z", 4, null),                          // 01:30 EST
        D("n4", "2026-03-08T07:00:00Z", 8, 0.008m),                        // 03:00 EDT: 02:00-03:00 does not exist
        D("n5", "2026-03-09T03:59:00Z", 16, 0.016m, E(0.25, 0.5, 1), E(0.125, 0.25, 0.5)), // 23:59 EDT
        D("n6", "2026-03-09T04:00:00Z", 32, 0.032m),                       // Mon 00:00 EDT
        D("m1", "2026-11-01T03:59:00Z", 64, 0.064m),                       // Sat 31 October 23:59 EDT
        D("m2", "2026-11-01T04:00:00Z", 128, 0.128m, E(1, 2, 4), E(0.5, 1, 2)), // Sun 00:00 EDT: the 25-hour day begins
        D("m3", "2026-11-01T05:30:00Z", 256, null),                        // 01:30 EDT
        D("m4", "2026-11-01T06:30:00Z", 512, 0.512m),                      // 01:30 EST, the repeated hour
        D("m5", "2026-11-02T04:59:00Z", 1024, 1.024m, E(0.25, 0.5, 1), E(0.125, 0.25, 0.5)), // 23:59 EST
        D("m6", "2026-11-02T05:00:00Z", 2048, 2.048m),                     // Mon 00:00 EST
    ];

    private static readonly Totals DstTotal = T("", 12, 4095, 0, 0, 0, 12, 0, 3.835m, 2, 4, E(2.5, 5, 10), E(1.25, 2.5, 5));

    [Fact]
    public async Task Days_weeks_months_and_hours_follow_daylight_saving_in_Europe_Paris()
    {
        // Each query twice: unfiltered (SQLite may read its hourly rollup) and filtered by user (it reads the rows).
        foreach (var query in new[] { UsageQuery.All, new UsageQuery { User = "dst" } })
        {
            AssertTotals(await SummarizeAsync(ParisDst, "day", query, "Europe/Paris"), DstTotal,
                Dst("day=2026-03-28", 1, 1, 0.001m, 0, 0),
                Dst("day=2026-03-29", 4, 30, 0.026m, 1, 2, E(1.25, 2.5, 5), E(0.625, 1.25, 2.5)),    // 23 hours: p2-p5
                Dst("day=2026-03-30", 1, 32, 0.032m, 0, 0),
                Dst("day=2026-10-24", 1, 64, 0.064m, 0, 0),
                Dst("day=2026-10-25", 4, 1920, 1.664m, 1, 2, E(1.25, 2.5, 5), E(0.625, 1.25, 2.5)),  // 25 hours: f2-f5
                Dst("day=2026-10-26", 1, 2048, 2.048m, 0, 0));

            AssertTotals(await SummarizeAsync(ParisDst, "week", query, "Europe/Paris"), DstTotal,
                Dst("week=2026-03-23", 5, 31, 0.027m, 1, 2, E(1.25, 2.5, 5), E(0.625, 1.25, 2.5)),
                Dst("week=2026-03-30", 1, 32, 0.032m, 0, 0),
                Dst("week=2026-10-19", 5, 1984, 1.728m, 1, 2, E(1.25, 2.5, 5), E(0.625, 1.25, 2.5)),
                Dst("week=2026-10-26", 1, 2048, 2.048m, 0, 0));

            AssertTotals(await SummarizeAsync(ParisDst, "month", query, "Europe/Paris"), DstTotal,
                Dst("month=2026-03", 6, 63, 0.059m, 1, 2, E(1.25, 2.5, 5), E(0.625, 1.25, 2.5)),
                Dst("month=2026-10", 6, 4032, 3.776m, 1, 2, E(1.25, 2.5, 5), E(0.625, 1.25, 2.5)));

            // Hour keys are local wall-clock hours: 02:00 is missing on 29 March, and on 25 October 02:00 CEST and
            // 02:00 CET share one key (the key carries no offset), so f3 and f4 are one group.
            AssertTotals(await SummarizeAsync(ParisDst, "hour", query, "Europe/Paris"), DstTotal,
                Dst("hour=2026-03-28T23:00", 1, 1, 0.001m, 0, 0),
                Dst("hour=2026-03-29T00:00", 1, 2, 0.002m, 0, 1, E(1, 2, 4), E(0.5, 1, 2)),
                Dst("hour=2026-03-29T01:00", 1, 4, 0m, 1, 0),
                Dst("hour=2026-03-29T03:00", 1, 8, 0.008m, 0, 0),
                Dst("hour=2026-03-29T23:00", 1, 16, 0.016m, 0, 1, E(0.25, 0.5, 1), E(0.125, 0.25, 0.5)),
                Dst("hour=2026-03-30T00:00", 1, 32, 0.032m, 0, 0),
                Dst("hour=2026-10-24T23:00", 1, 64, 0.064m, 0, 0),
                Dst("hour=2026-10-25T00:00", 1, 128, 0.128m, 0, 1, E(1, 2, 4), E(0.5, 1, 2)),
                Dst("hour=2026-10-25T02:00", 2, 768, 0.512m, 1, 0),
                Dst("hour=2026-10-25T23:00", 1, 1024, 1.024m, 0, 1, E(0.25, 0.5, 1), E(0.125, 0.25, 0.5)),
                Dst("hour=2026-10-26T00:00", 1, 2048, 2.048m, 0, 0));
        }
    }

    [Fact]
    public async Task Days_weeks_months_and_hours_follow_daylight_saving_in_America_New_York()
    {
        foreach (var query in new[] { UsageQuery.All, new UsageQuery { User = "dst" } })
        {
            AssertTotals(await SummarizeAsync(NewYorkDst, "day", query, "America/New_York"), DstTotal,
                Dst("day=2026-03-07", 1, 1, 0.001m, 0, 0),
                Dst("day=2026-03-08", 4, 30, 0.026m, 1, 2, E(1.25, 2.5, 5), E(0.625, 1.25, 2.5)),    // 23 hours: n2-n5
                Dst("day=2026-03-09", 1, 32, 0.032m, 0, 0),
                Dst("day=2026-10-31", 1, 64, 0.064m, 0, 0),
                Dst("day=2026-11-01", 4, 1920, 1.664m, 1, 2, E(1.25, 2.5, 5), E(0.625, 1.25, 2.5)),  // 25 hours: m2-m5
                Dst("day=2026-11-02", 1, 2048, 2.048m, 0, 0));

            AssertTotals(await SummarizeAsync(NewYorkDst, "week", query, "America/New_York"), DstTotal,
                Dst("week=2026-03-02", 5, 31, 0.027m, 1, 2, E(1.25, 2.5, 5), E(0.625, 1.25, 2.5)),
                Dst("week=2026-03-09", 1, 32, 0.032m, 0, 0),
                Dst("week=2026-10-26", 5, 1984, 1.728m, 1, 2, E(1.25, 2.5, 5), E(0.625, 1.25, 2.5)),
                Dst("week=2026-11-02", 1, 2048, 2.048m, 0, 0));

            AssertTotals(await SummarizeAsync(NewYorkDst, "month", query, "America/New_York"), DstTotal,
                Dst("month=2026-03", 6, 63, 0.059m, 1, 2, E(1.25, 2.5, 5), E(0.625, 1.25, 2.5)),
                Dst("month=2026-10", 1, 64, 0.064m, 0, 0),
                Dst("month=2026-11", 5, 3968, 3.712m, 1, 2, E(1.25, 2.5, 5), E(0.625, 1.25, 2.5)));

            AssertTotals(await SummarizeAsync(NewYorkDst, "hour", query, "America/New_York"), DstTotal,
                Dst("hour=2026-03-07T23:00", 1, 1, 0.001m, 0, 0),
                Dst("hour=2026-03-08T00:00", 1, 2, 0.002m, 0, 1, E(1, 2, 4), E(0.5, 1, 2)),
                Dst("hour=2026-03-08T01:00", 1, 4, 0m, 1, 0),
                Dst("hour=2026-03-08T03:00", 1, 8, 0.008m, 0, 0),
                Dst("hour=2026-03-08T23:00", 1, 16, 0.016m, 0, 1, E(0.25, 0.5, 1), E(0.125, 0.25, 0.5)),
                Dst("hour=2026-03-09T00:00", 1, 32, 0.032m, 0, 0),
                Dst("hour=2026-10-31T23:00", 1, 64, 0.064m, 0, 0),
                Dst("hour=2026-11-01T00:00", 1, 128, 0.128m, 0, 1, E(1, 2, 4), E(0.5, 1, 2)),
                Dst("hour=2026-11-01T01:00", 2, 768, 0.512m, 1, 0),
                Dst("hour=2026-11-01T23:00", 1, 1024, 1.024m, 0, 1, E(0.25, 0.5, 1), E(0.125, 0.25, 0.5)),
                Dst("hour=2026-11-02T00:00", 1, 2048, 2.048m, 0, 0));
        }
    }

    /// <summary>Expected totals of one group (or of the whole summary, with an empty key).</summary>
    private sealed record Totals(
        string Key, long Records, long Input, long CacheRead, long CacheWrite5m, long CacheWrite1h, long Output, long Reasoning,
        decimal Cost, long Unpriced, long Estimated, EstimateRange? Energy, EstimateRange? Co2e);

    private static Totals T(
        string key, long records, long input, long cacheRead, long cacheWrite5m, long cacheWrite1h, long output, long reasoning,
        decimal cost, long unpriced, long estimated, EstimateRange? energy, EstimateRange? co2e) =>
        new(key, records, input, cacheRead, cacheWrite5m, cacheWrite1h, output, reasoning, cost, unpriced, estimated, energy, co2e);

    /// <summary>A DST group: one output token per record, no cache or reasoning tokens.</summary>
    private static Totals Dst(string key, long records, long input, decimal cost, long unpriced, long estimated, EstimateRange? energy = null, EstimateRange? co2e = null) =>
        new(key, records, input, 0, 0, 0, records, 0, cost, unpriced, estimated, energy, co2e);

    private static EstimateRange E(double low, double central, double high) => new(low, central, high);

    private static DateTimeOffset At(string utc) => DateTimeOffset.Parse(utc, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    private static UsageRecord S(
        string id, string utc, string model, string provider, string? project, string? job, string? team,
        long input, long cacheRead, long cacheWrite5m, long cacheWrite1h, long output, long reasoning, decimal? cost, EstimateRange? energy, EstimateRange? co2e) => new()
        {
            Id = id,
            Timestamp = At(utc),
            Model = model,
            Provider = provider,
            Tokens = new TokenCounts { Input = input, CacheRead = cacheRead, CacheWrite = cacheWrite5m, CacheWrite1h = cacheWrite1h, Output = output, Reasoning = reasoning },
            Attribution = new Attribution { Project = project, Job = job, User = "u", Tags = team is null ? Attribution.EmptyTags : new Dictionary<string, string> { ["team"] = team } },
            CostUsd = cost,
            Impact = energy is { } e && co2e is { } c ? new ImpactEstimate(e, c) : null,
        };

    private static UsageRecord D(string id, string utc, long input, decimal? cost, EstimateRange? energy = null, EstimateRange? co2e = null) => new()
    {
        Id = id,
        Timestamp = At(utc),
        Model = "claude-sonnet-4-5",
        Tokens = new TokenCounts { Input = input, Output = 1 },
        Attribution = new Attribution { User = "dst" },
        CostUsd = cost,
        Impact = energy is { } e && co2e is { } c ? new ImpactEstimate(e, c) : null,
    };

    private Task<UsageSummary> SummarizeSampleAsync(string by, UsageQuery? query = null, string zone = "UTC") => SummarizeAsync(Sample, by, query ?? UsageQuery.All, zone);

    private async Task<UsageSummary> SummarizeAsync(UsageRecord[] records, string by, UsageQuery query, string zone)
    {
        using var temp = new TempDirectory();
        var ledger = Open(temp.Path);
        Assert.Equal(new AppendResult(records.Length, 0), await ledger.AppendAsync(records));
        var timeZone = zone == "UTC" ? TimeZoneInfo.Utc : TimeZoneInfo.FindSystemTimeZoneById(zone);
        return await ledger.SummarizeAsync(query, [.. by.Split(',').Select(SummaryDimension.Parse)], timeZone);
    }

    /// <summary>Asserts the summary's total and its rows, in order, field by field.</summary>
    private static void AssertTotals(UsageSummary summary, Totals total, params Totals[] rows)
    {
        Assert.Equal(rows.Select(r => r.Key), summary.Rows.Select(r => KeyText(r.Key)));
        for (var i = 0; i < rows.Length; i++)
        {
            AssertTotals(rows[i], summary.Rows[i].Totals);
        }

        AssertTotals(total, summary.Total);
    }

    private static void AssertTotals(Totals expected, UsageTotals actual)
    {
        // Every public figure of UsageTotals is checked below; a new one must be added here (and to the literals).
        string[] checkedFigures =
        [
            "Records", "InputTokens", "OutputTokens", "CacheReadTokens", "CacheWrite5mTokens", "CacheWrite1hTokens", "CacheWriteTokens",
            "ReasoningTokens", "TotalTokens", "CostUsd", "UnpricedRecords", "EstimatedRecords", "EnergyWh", "Co2eGrams",
        ];
        Assert.Equal(checkedFigures.Order(StringComparer.Ordinal), typeof(UsageTotals).GetProperties().Select(p => p.Name).Order(StringComparer.Ordinal));

        var group = expected.Key.Length == 0 ? "total" : expected.Key;
        Assert.True(expected.Records == actual.Records, $"{group}: records {actual.Records}, expected {expected.Records}");
        Assert.True(expected.Input == actual.InputTokens, $"{group}: input {actual.InputTokens}, expected {expected.Input}");
        Assert.True(expected.CacheRead == actual.CacheReadTokens, $"{group}: cache read {actual.CacheReadTokens}, expected {expected.CacheRead}");
        Assert.True(expected.CacheWrite5m == actual.CacheWrite5mTokens, $"{group}: cache write 5m {actual.CacheWrite5mTokens}, expected {expected.CacheWrite5m}");
        Assert.True(expected.CacheWrite1h == actual.CacheWrite1hTokens, $"{group}: cache write 1h {actual.CacheWrite1hTokens}, expected {expected.CacheWrite1h}");
        Assert.True(expected.CacheWrite5m + expected.CacheWrite1h == actual.CacheWriteTokens, $"{group}: cache write {actual.CacheWriteTokens}");
        Assert.True(expected.Output == actual.OutputTokens, $"{group}: output {actual.OutputTokens}, expected {expected.Output}");
        Assert.True(expected.Reasoning == actual.ReasoningTokens, $"{group}: reasoning {actual.ReasoningTokens}, expected {expected.Reasoning}");
        var total = expected.Input + expected.CacheRead + expected.CacheWrite5m + expected.CacheWrite1h + expected.Output;
        Assert.True(total == actual.TotalTokens, $"{group}: total tokens {actual.TotalTokens}, expected {total}");
        Assert.True(expected.Cost == actual.CostUsd, $"{group}: cost {actual.CostUsd}, expected {expected.Cost}");
        Assert.True(expected.Unpriced == actual.UnpricedRecords, $"{group}: unpriced {actual.UnpricedRecords}, expected {expected.Unpriced}");
        Assert.True(expected.Estimated == actual.EstimatedRecords, $"{group}: estimated {actual.EstimatedRecords}, expected {expected.Estimated}");
        AssertRange(group + ": energy Wh", expected.Energy, actual.EnergyWh);
        AssertRange(group + ": CO2e g", expected.Co2e, actual.Co2eGrams);
    }

    private static void AssertRange(string what, EstimateRange? expected, EstimateRange? actual)
    {
        Assert.True(expected.HasValue == actual.HasValue, $"{what}: {actual?.ToString() ?? "null"}, expected {expected?.ToString() ?? "null"}");
        if (expected is { } e && actual is { } a)
        {
            Assert.True(Math.Abs(e.Low - a.Low) < 1e-9 && Math.Abs(e.Central - a.Central) < 1e-9 && Math.Abs(e.High - a.High) < 1e-9, $"{what}: {a}, expected {e}");
        }
    }
}
