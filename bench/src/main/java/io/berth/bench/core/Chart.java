package io.berth.bench.core;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Paint;
import java.awt.geom.Rectangle2D;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.labels.StandardCategoryItemLabelGenerator;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.title.TextTitle;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.svg.SVGGraphics2D;

/**
 * The chart of a run: one SVG (JFreeChart drawn on JFreeSVG) with a horizontal bar panel per comparison —
 * throughput and latency, durable and in memory — Berth's bars in blue, the peers' in grey, logarithmic axes since the
 * systems differ by orders of magnitude. Written next to the JSON.
 */
public final class Chart {
  private Chart() {}

  record Panel(String title, String workload, String figure, String axis) {}

  static final List<Panel> PANELS = List.of(
      new Panel("Durable accept (64 producers)", "durable-accept", "items/s", "items/s acknowledged (higher is better)"),
      new Panel("Durable accept: ack p99", "durable-accept", "ack p99", "ms (lower is better)"),
      new Panel("Durable end to end, 4 workers", "durable-e2e", "items/s", "items/s (higher is better)"),
      new Panel("Durable enqueue-to-start p99 at 1,000/s", "durable-e2e", "start p99 @1000/s", "ms (lower is better)"),
      new Panel("In-memory queue throughput", "queue-throughput", "items/s", "items/s (higher is better)"),
      new Panel("In-memory enqueue-to-start p99 at 5,000/s", "queue-latency", "p99", "ms (lower is better)"),
      new Panel("RSS with items queued", "memory", "RSS", "MiB (lower is better)"),
      new Panel("Cluster, 2 nodes on PostgreSQL", "cluster", "cross-node p99 @500/s", "ms (lower is better)"));

  static final Color BERTH = new Color(0x1f, 0x5f, 0xbf);
  static final Color PEER = new Color(0x9a, 0x9a, 0x9a);
  static final int W = 620;
  static final int H = 330;

  /** Writes {@code <dir>/<stamp>.svg} and {@code latest.svg}; returns the file, or null when nothing is charted. */
  public static Path write(List<Result> results, Path dir, String stamp, String subtitle) throws IOException {
    List<JFreeChart> charts = new ArrayList<>();
    for (Panel p : PANELS) {
      DefaultCategoryDataset ds = new DefaultCategoryDataset();
      for (Result r : results) {
        if (r.workload().equals(p.workload()) && r.figure().equals(p.figure()) && !Double.isNaN(r.value())
            && r.value() > 0) {
          ds.addValue(r.value(), p.figure(), r.system());
        }
      }
      if (ds.getColumnCount() > 0) charts.add(panel(p, ds));
    }
    if (charts.isEmpty()) return null;
    int cols = 2;
    int rows = (charts.size() + cols - 1) / cols;
    int headH = 50;
    SVGGraphics2D g = new SVGGraphics2D(W * cols, headH + H * rows);
    draw(g, charts, cols, rows, headH, subtitle);
    Files.createDirectories(dir);
    Path file = dir.resolve(stamp + ".svg");
    Files.writeString(file, g.getSVGDocument(), StandardCharsets.UTF_8);
    Files.copy(file, dir.resolve("latest.svg"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    if (Boolean.getBoolean("bench.chartPng")) {   // a PNG beside it, to look at where no SVG viewer is at hand
      java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(W * cols, headH + H * rows,
          java.awt.image.BufferedImage.TYPE_INT_RGB);
      java.awt.Graphics2D pg = img.createGraphics();
      draw(pg, charts, cols, rows, headH, subtitle);
      pg.dispose();
      javax.imageio.ImageIO.write(img, "png", dir.resolve(stamp + ".png").toFile());
    }
    return file;
  }

  static void draw(java.awt.Graphics2D g, List<JFreeChart> charts, int cols, int rows, int headH, String subtitle) {
    g.setRenderingHint(java.awt.RenderingHints.KEY_ANTIALIASING, java.awt.RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(java.awt.RenderingHints.KEY_TEXT_ANTIALIASING, java.awt.RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setPaint(Color.WHITE);
    g.fillRect(0, 0, W * cols, headH + H * rows);
    g.setPaint(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
    g.drawString("Berth benchmarks", 12, 22);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    g.drawString(subtitle, 12, 40);
    for (int i = 0; i < charts.size(); i++) {
      charts.get(i).draw(g, new Rectangle2D.Double((i % cols) * W, headH + (i / cols) * H, W, H));
    }
  }

  static JFreeChart panel(Panel p, DefaultCategoryDataset ds) {
    JFreeChart chart = ChartFactory.createBarChart(p.title(), null, p.axis(), ds, PlotOrientation.HORIZONTAL,
        false, false, false);
    chart.setBackgroundPaint(Color.WHITE);
    chart.setTitle(new TextTitle(p.title(), new Font(Font.SANS_SERIF, Font.BOLD, 13)));
    CategoryPlot plot = chart.getCategoryPlot();
    plot.setBackgroundPaint(Color.WHITE);
    plot.setRangeGridlinePaint(new Color(0xdd, 0xdd, 0xdd));
    plot.setRangeGridlineStroke(new BasicStroke(0.5f));
    plot.getDomainAxis().setTickLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
    plot.getDomainAxis().setMaximumCategoryLabelWidthRatio(0.45f);
    double min = Double.MAX_VALUE;
    double max = 0;
    for (int c = 0; c < ds.getColumnCount(); c++) {
      double v = ds.getValue(0, c).doubleValue();
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    if (max / min > 20) {
      LogAxis axis = new LogAxis(p.axis());
      axis.setBase(10);
      axis.setSmallestValue(Math.max(1e-3, min / 2));
      axis.setRange(Math.max(1e-3, min / 2), max * 3);
      axis.setTickLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
      axis.setLabel(p.axis() + ", log scale");
      axis.setTickUnit(new org.jfree.chart.axis.NumberTickUnit(1));   // one tick per power of ten
      axis.setNumberFormatOverride(new java.text.DecimalFormat("#,##0.###"));
      plot.setRangeAxis(axis);
    }
    plot.getRangeAxis().setTickLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
    plot.getRangeAxis().setLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
    List<String> systems = new ArrayList<>();
    for (int c = 0; c < ds.getColumnCount(); c++) systems.add(ds.getColumnKey(c).toString());
    BarRenderer renderer = new BarRenderer() {
      @Override public Paint getItemPaint(int row, int column) {
        return systems.get(column).startsWith("Berth") ? BERTH : PEER;
      }
    };
    renderer.setBarPainter(new StandardBarPainter());
    renderer.setShadowVisible(false);
    renderer.setDefaultItemLabelGenerator(new StandardCategoryItemLabelGenerator("{2}",
        new java.text.DecimalFormat("#,##0.#")));
    renderer.setDefaultItemLabelsVisible(true);
    renderer.setDefaultItemLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 9));
    renderer.setMaximumBarWidth(0.12);
    plot.setRenderer(renderer);
    return chart;
  }
}
