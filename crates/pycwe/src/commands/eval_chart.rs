//! Eval's chart: per-CWE F1 as grouped bars, one colour per compared detector, as SVG
//! (`--out DIR` writes `per_cwe_f1.svg`): what a person would rather look at than the table.

use plotters::prelude::*;

use super::eval::MetricsFile;

const COLOURS: [RGBColor; 6] = [
    RGBColor(0x4c, 0x72, 0xb0),
    RGBColor(0xdd, 0x84, 0x52),
    RGBColor(0x55, 0xa8, 0x68),
    RGBColor(0xc4, 0x4e, 0x52),
    RGBColor(0x81, 0x72, 0xb3),
    RGBColor(0x93, 0x78, 0x60),
];

/// The chart as an SVG document. CWEs are those with support in any row, in id order.
pub fn per_cwe_f1_svg(rows: &[MetricsFile]) -> Result<String, String> {
    let mut cwes: Vec<String> =
        rows.iter().flat_map(|r| r.metrics.per_cwe.iter().filter(|c| c.support > 0).map(|c| c.cwe.clone())).collect();
    cwes.sort_by_key(|c| c.trim_start_matches("CWE-").parse::<u32>().unwrap_or(u32::MAX));
    cwes.dedup();
    let f1 = |row: &MetricsFile, cwe: &str| row.metrics.per_cwe.iter().find(|c| c.cwe == cwe).map_or(0.0, |c| c.prf.f1);
    let width = (120 + cwes.len() as u32 * (14 * rows.len().max(1) as u32 + 16)).max(480);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, 420)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let slots = cwes.len().max(1) as f64;
        let mut chart = ChartBuilder::on(&root)
            .caption("Per-CWE F1", ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(60)
            .y_label_area_size(40)
            .build_cartesian_2d(0f64..slots, 0f64..1.0)
            .map_err(|e| e.to_string())?;
        let names = cwes.clone();
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(cwes.len().max(1) * 2 + 1)
            .x_label_formatter(&|x| {
                let i = x.floor() as usize;
                if (x - x.floor() - 0.5).abs() < 0.01 && i < names.len() { names[i].clone() } else { String::new() }
            })
            .x_label_style(("sans-serif", 11).into_font().transform(FontTransform::Rotate90))
            .y_desc("F1")
            .draw()
            .map_err(|e| e.to_string())?;
        let bar = 0.8 / rows.len().max(1) as f64;
        for (r, row) in rows.iter().enumerate() {
            let colour = COLOURS[r % COLOURS.len()];
            chart
                .draw_series(cwes.iter().enumerate().map(|(i, cwe)| {
                    let x0 = i as f64 + 0.1 + r as f64 * bar;
                    Rectangle::new([(x0, 0.0), (x0 + bar, f1(row, cwe))], colour.filled())
                }))
                .map_err(|e| e.to_string())?
                .label(row.detector.clone())
                .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], colour.filled()));
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .position(SeriesLabelPosition::UpperRight)
            .draw()
            .map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use pycwe_core::metrics::{Item, compute};

    use super::*;

    fn row(name: &str, hit: bool) -> MetricsFile {
        let item = |truth: u32, predicted: Option<u32>| Item {
            group: format!("{truth}"),
            truth: [pycwe_core::cwe::CweId(truth)].into(),
            predicted: predicted.map(|p| (pycwe_core::cwe::CweId(p), (0.9, vec![1]))).into_iter().collect(),
            ..Item::default()
        };
        let items = vec![item(89, hit.then_some(89)), item(78, Some(78))];
        MetricsFile {
            detector: name.to_string(),
            data: "t".into(),
            prefilter: true,
            units_per_s: 0.0,
            judged_units: 0,
            prefilter_recall: None,
            anchor_reach: None,
            metrics: compute(&items, 0.5, 0, 0),
            perturbations: Vec::new(),
        }
    }

    #[test]
    fn the_chart_has_one_bar_per_cwe_and_detector_and_a_legend() {
        let svg = per_cwe_f1_svg(&[row("base", false), row("tuned", true)]).unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..80.min(svg.len())]);
        for label in ["CWE-78", "CWE-89", "base", "tuned", "Per-CWE F1"] {
            assert!(svg.contains(label), "{label} missing");
        }
        // Two CWEs x two detectors, each a filled bar in its detector's colour.
        assert_eq!(svg.matches("fill=\"#4C72B0\"").count(), 2 + 1, "base: 2 bars + legend");
        assert_eq!(svg.matches("fill=\"#DD8452\"").count(), 2 + 1, "tuned: 2 bars + legend");
    }
}
