//! The geometry of a trend chart, computed once and drawn twice: as inline
//! SVG by the HTML template (which escapes every label) and as vector
//! drawing operations in the PDF. Coordinates are in the chart's own units,
//! `y` growing downwards as in SVG.
//!
//! The scale is chosen so the target and every point are visible with room
//! around them: availability near 99.9 % gets a fine scale, a resolution
//! line at 50 % a coarse one; the top is always 100 %.

use serde::Serialize;

use super::trends::Series;
use crate::engine::Status;

/// Chart width in its own units.
pub const WIDTH: f32 = 340.0;
/// Chart height in its own units.
pub const HEIGHT: f32 = 170.0;
const LEFT: f32 = 44.0;
const RIGHT: f32 = 12.0;
const TOP: f32 = 26.0;
const BOTTOM: f32 = 32.0;
const TITLE_CHARS: usize = 60;

/// One chart, ready to draw.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Chart {
    /// What it shows (the line's name and service).
    pub title: String,
    /// Whether it is a service's availability.
    pub availability: bool,
    /// Its size.
    pub width: f32,
    /// Its size.
    pub height: f32,
    /// The plot area: left, top, right, bottom.
    pub plot: [f32; 4],
    /// Horizontal grid lines with their labels.
    pub y_ticks: Vec<Tick>,
    /// One label per month.
    pub x_labels: Vec<MonthLabel>,
    /// Where the target line runs, and its label.
    pub target_y: f32,
    /// `target 95 %`.
    pub target_label: String,
    /// Runs of consecutive measured months, as point lists.
    pub segments: Vec<Vec<(f32, f32)>>,
    /// The same runs as SVG `points` attributes.
    pub segment_points: Vec<String>,
    /// Each measured month's marker.
    pub dots: Vec<Dot>,
}

/// A grid line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tick {
    /// Its height.
    pub y: f32,
    /// `99.5`.
    pub label: String,
}

/// A month under the axis.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonthLabel {
    /// Its centre.
    pub x: f32,
    /// `Nov`.
    pub month: String,
    /// The year, under the first month and each January.
    pub year: Option<String>,
}

/// A measured month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dot {
    /// Its centre.
    pub x: f32,
    /// Its centre.
    pub y: f32,
    /// Failed that month (decided on the exact value).
    pub failed: bool,
    /// `2026-09: 99.861 % (met)`, for a tooltip.
    pub label: String,
}

/// Lays out `series` as a chart.
pub fn chart(series: &Series) -> Chart {
    let values: Vec<f64> = series
        .points
        .iter()
        .filter_map(|p| p.attainment_percent)
        .collect();
    let (low, step) = scale(&values, series.target_percent);
    let [left, top, right, bottom] = [LEFT, TOP, WIDTH - RIGHT, HEIGHT - BOTTOM];
    let y_of = |v: f64| -> f32 {
        let share = ((v - low) / (100.0 - low)).clamp(0.0, 1.0) as f32;
        bottom - share * (bottom - top)
    };
    let n = series.points.len().max(1);
    let slot = (right - left) / n as f32;
    let x_of = |i: usize| left + slot * (i as f32 + 0.5);
    let decimals = if step >= 1.0 {
        0
    } else if step >= 0.1 {
        1
    } else {
        2
    };
    let mut y_ticks = Vec::new();
    let mut v = low;
    while v <= 100.0 + step / 2.0 {
        y_ticks.push(Tick {
            y: round1(y_of(v)),
            label: format!("{v:.decimals$}"),
        });
        v += step;
    }
    let mut segments: Vec<Vec<(f32, f32)>> = Vec::new();
    let mut run: Vec<(f32, f32)> = Vec::new();
    let mut dots = Vec::new();
    let mut x_labels = Vec::new();
    for (i, p) in series.points.iter().enumerate() {
        let x = round1(x_of(i));
        let (year, month) = p.month.split_once('-').unwrap_or((&p.month, ""));
        let first = i == 0 || month == "01";
        x_labels.push(MonthLabel {
            x,
            month: month_name(month).to_string(),
            year: first.then(|| year.to_string()),
        });
        match p.attainment_percent {
            Some(a) => {
                let y = round1(y_of(a));
                run.push((x, y));
                dots.push(Dot {
                    x,
                    y,
                    failed: p.status == Status::Failed,
                    label: format!("{}: {a:.3} % ({})", p.month, p.status.as_str()),
                });
            }
            None => {
                if !run.is_empty() {
                    segments.push(std::mem::take(&mut run));
                }
            }
        }
    }
    if !run.is_empty() {
        segments.push(run);
    }
    let mut title = series.name.clone();
    if let Some(s) = &series.service {
        title.push_str(&format!(" ({s})"));
    }
    if title.chars().count() > TITLE_CHARS {
        title = title.chars().take(TITLE_CHARS - 1).collect::<String>() + "…";
    }
    Chart {
        title,
        availability: series.kind == "availability",
        width: WIDTH,
        height: HEIGHT,
        plot: [left, top, right, bottom],
        y_ticks,
        x_labels,
        target_y: round1(y_of(series.target_percent)),
        target_label: format!("target {} %", series.target_percent),
        segment_points: segments
            .iter()
            .map(|s| {
                s.iter()
                    .map(|(x, y)| format!("{x},{y}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect(),
        segments,
        dots,
    }
}

/// The bottom of the scale and the grid step: the smallest "nice" step that
/// shows the lowest of the values and the target, with some room below it,
/// in at most five steps up to 100 %.
fn scale(values: &[f64], target: f64) -> (f64, f64) {
    let lowest = values.iter().copied().fold(target, f64::min).max(0.0);
    let span = ((100.0 - lowest) * 1.25).max(0.5);
    const STEPS: [f64; 11] = [0.1, 0.2, 0.25, 0.5, 1.0, 2.0, 2.5, 5.0, 10.0, 20.0, 25.0];
    let step = STEPS
        .iter()
        .copied()
        .find(|s| span / s <= 5.0)
        .unwrap_or(25.0);
    let low = (((100.0 - span) / step + 1e-9).floor() * step).max(0.0);
    (low, step)
}

fn round1(v: f32) -> f32 {
    (v * 10.0).round() / 10.0
}

fn month_name(mm: &str) -> &'static str {
    match mm {
        "01" => "Jan",
        "02" => "Feb",
        "03" => "Mar",
        "04" => "Apr",
        "05" => "May",
        "06" => "Jun",
        "07" => "Jul",
        "08" => "Aug",
        "09" => "Sep",
        "10" => "Oct",
        "11" => "Nov",
        "12" => "Dec",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::trends::Point;

    fn series(values: &[Option<f64>], target: f64) -> Series {
        Series {
            service_level: "l".into(),
            name: "Line".into(),
            kind: "availability",
            service: Some("email".into()),
            target_percent: target,
            points: values
                .iter()
                .enumerate()
                .map(|(i, v)| Point {
                    month: format!("2026-{:02}", i + 1),
                    attainment_percent: *v,
                    status: match v {
                        Some(v) if *v < target => Status::Failed,
                        Some(_) => Status::Met,
                        None => Status::NoData,
                    },
                })
                .collect(),
        }
    }

    #[test]
    fn the_scale_fits_the_values_and_the_target() {
        // 99.396 and a 99.5 target: span (100 − 99.396) × 1.25 = 0.755 → step 0.2, from 99.2.
        let (low, step) = scale(&[99.396, 100.0], 99.5);
        assert_eq!(step, 0.2);
        assert!((low - 99.2).abs() < 1e-9, "{low}");
        // 50 % and a 95 % target: span 62.5 → step 20, from 20.
        assert_eq!(scale(&[50.0], 95.0), (20.0, 20.0));
        // Nothing but 100 %: at least half a point of room.
        assert_eq!(scale(&[100.0], 100.0), (99.5, 0.1));
    }

    #[test]
    fn gaps_split_the_line_and_failures_are_marked() {
        let c = chart(&series(
            &[None, Some(99.9), Some(99.0), None, Some(100.0)],
            99.5,
        ));
        assert_eq!(c.segments.len(), 2);
        assert_eq!(c.segments[0].len(), 2);
        assert_eq!(c.dots.len(), 3);
        assert_eq!(
            c.dots.iter().map(|d| d.failed).collect::<Vec<_>>(),
            [false, true, false]
        );
        assert_eq!(c.x_labels[0].year.as_deref(), Some("2026"));
        assert_eq!(c.x_labels[0].month, "Jan");
        assert_eq!(c.x_labels[1].year, None);
        assert_eq!(c.title, "Line (email)");
        // Higher is better: 100 % is at the top of the plot.
        assert_eq!(c.dots[2].y, c.plot[1]);
        assert!(c.target_y > c.plot[1] && c.target_y < c.plot[3]);
    }
}
