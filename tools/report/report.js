// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim dashboard: draws data.js (window.PASIDSIM_DATA, written by
 * 'pasidsim report') as plain SVG. No libraries, no network: the page works
 * from file://.
 */
(function () {
	'use strict';
	var SVG = 'http://www.w3.org/2000/svg';
	var D = window.PASIDSIM_DATA;
	var nCharts = 0;

	function el(tag, attrs, text) {
		var e = document.createElement(tag);
		for (var k in attrs || {})
			e.setAttribute(k, attrs[k]);
		if (text !== undefined)
			e.textContent = text;
		return e;
	}
	function sv(tag, attrs, text) {
		var e = document.createElementNS(SVG, tag);
		for (var k in attrs || {})
			e.setAttribute(k, attrs[k]);
		if (text !== undefined)
			e.textContent = text;
		return e;
	}
	function short(c) { return c ? c.substring(0, 10) : '(no commit)'; }
	function fmt(v) {
		if (v === null || v === undefined) return '–';
		var a = Math.abs(v);
		if (a !== 0 && (a >= 1e7 || a < 1e-3)) return v.toExponential(3);
		return (Math.round(v * 1000) / 1000).toString();
	}

	/* A line chart of ys (nulls skipped) over xs; marks[i] is a class for point i. */
	function lineChart(opts) {
		var W = 560, H = 190, L = 62, R = 12, T = 12, B = 34;
		var svg = sv('svg', { 'class': 'chart ' + (opts.cls || ''), width: W, height: H,
				       viewBox: '0 0 ' + W + ' ' + H, role: 'img' });
		var xs = opts.xs, ys = opts.ys, i;
		var pts = [];
		for (i = 0; i < ys.length; i++)
			if (ys[i] !== null && ys[i] !== undefined && isFinite(ys[i]))
				pts.push(i);
		var ymin = Infinity, ymax = -Infinity, xmin = Infinity, xmax = -Infinity;
		pts.forEach(function (j) {
			ymin = Math.min(ymin, ys[j]); ymax = Math.max(ymax, ys[j]);
			xmin = Math.min(xmin, xs[j]); xmax = Math.max(xmax, xs[j]);
		});
		if (!pts.length) { ymin = 0; ymax = 1; xmin = 0; xmax = 1; }
		if (ymin === ymax) { ymin -= Math.abs(ymin) * 0.1 + 1; ymax += Math.abs(ymax) * 0.1 + 1; }
		if (opts.zero && ymin > 0) ymin = 0;
		if (xmin === xmax) { xmin -= 1; xmax += 1; }
		function X(x) { return L + (x - xmin) / (xmax - xmin) * (W - L - R); }
		function Y(y) { return H - B - (y - ymin) / (ymax - ymin) * (H - T - B); }
		for (i = 0; i <= 4; i++) {
			var yv = ymin + (ymax - ymin) * i / 4;
			svg.appendChild(sv('line', { 'class': 'grid', x1: L, x2: W - R, y1: Y(yv), y2: Y(yv) }));
			svg.appendChild(sv('text', { x: L - 4, y: Y(yv) + 3, 'text-anchor': 'end' }, fmt(yv)));
		}
		svg.appendChild(sv('line', { 'class': 'axis', x1: L, x2: L, y1: T, y2: H - B }));
		svg.appendChild(sv('line', { 'class': 'axis', x1: L, x2: W - R, y1: H - B, y2: H - B }));
		if (opts.xlabel)
			svg.appendChild(sv('text', { x: (L + W - R) / 2, y: H - 4, 'text-anchor': 'middle' },
					   opts.xlabel));
		var d = pts.map(function (j, k) {
			return (k ? 'L' : 'M') + X(xs[j]).toFixed(1) + ' ' + Y(ys[j]).toFixed(1);
		}).join(' ');
		if (d)
			svg.appendChild(sv('path', { 'class': 'line', d: d }));
		pts.forEach(function (j) {
			var c = sv('circle', { 'class': 'pt ' + ((opts.marks && opts.marks[j]) || ''),
					       cx: X(xs[j]).toFixed(1), cy: Y(ys[j]).toFixed(1), r: 3 });
			c.appendChild(sv('title', {}, (opts.labels ? opts.labels[j] + ': ' : '') + fmt(ys[j])));
			svg.appendChild(c);
		});
		if (opts.ticks)
			opts.ticks.forEach(function (t) {
				svg.appendChild(sv('text', { x: X(t[0]), y: H - B + 12, 'text-anchor': 'middle' },
						   t[1]));
			});
		nCharts++;
		return svg;
	}

	function barChart(h) {
		var W = 560, H = 170, L = 54, B = 30, T = 10;
		var svg = sv('svg', { 'class': 'chart histogram', width: W, height: H,
				       viewBox: '0 0 ' + W + ' ' + H, role: 'img' });
		var bk = h.buckets.slice().sort(function (a, b) { return a[0] - b[0]; });
		if (!bk.length) bk = [[0, 0]];
		var lo = bk[0][0], hi = bk[bk.length - 1][0], n = hi - lo + 1;
		var max = Math.max.apply(null, bk.map(function (b) { return b[1]; })) || 1;
		var bw = (W - L - 8) / n;
		svg.appendChild(sv('line', { 'class': 'axis', x1: L, x2: W - 8, y1: H - B, y2: H - B }));
		svg.appendChild(sv('text', { x: L - 4, y: T + 8, 'text-anchor': 'end' }, fmt(max)));
		bk.forEach(function (b) {
			var x = L + (b[0] - lo) * bw, bh = b[1] / max * (H - B - T);
			var r = sv('rect', { 'class': 'bar', x: x + 1, y: H - B - bh, width: Math.max(bw - 2, 1),
					     height: bh });
			var range = b[0] === 0 ? '0' : '[' + Math.pow(2, b[0] - 1) + ', ' + Math.pow(2, b[0]) + ')';
			r.appendChild(sv('title', {}, range + ' ' + h.unit + ': ' + b[1]));
			svg.appendChild(r);
			svg.appendChild(sv('text', { x: x + bw / 2, y: H - B + 12, 'text-anchor': 'middle' },
					   b[0] === 0 ? '0' : '2^' + (b[0] - 1)));
		});
		svg.appendChild(sv('text', { x: (L + W) / 2, y: H - 4, 'text-anchor': 'middle' },
				   h.unit + ' (log2 buckets)'));
		nCharts++;
		return svg;
	}

	var PALETTE = ['#2a6fdb', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#17becf',
		       '#7f7f7f'];

	/*
	 * Several named lines over one x axis: series[i] = { name, pts: [[x, y], ...] }.
	 * The x axis is log2 when every x is positive and they span a factor of 8 or more
	 * (VM counts are powers of two); a legend names the lines.
	 */
	function multiChart(opts) {
		var W = 560, H = 210, L = 62, R = 130, T = 12, B = 34;
		var svg = sv('svg', { 'class': 'chart ' + (opts.cls || ''), width: W, height: H,
				       viewBox: '0 0 ' + W + ' ' + H, role: 'img' });
		var all = [];
		opts.series.forEach(function (s) {
			s.pts = s.pts.filter(function (p) { return isFinite(p[0]) && isFinite(p[1]); });
			s.pts.sort(function (a, b) { return a[0] - b[0]; });
			all = all.concat(s.pts);
		});
		var xmin = Math.min.apply(null, all.map(function (p) { return p[0]; }));
		var xmax = Math.max.apply(null, all.map(function (p) { return p[0]; }));
		var ymax = Math.max.apply(null, all.map(function (p) { return p[1]; }));
		if (!all.length) { xmin = 0; xmax = 1; ymax = 1; }
		var ymin = 0;
		if (!(ymax > 0)) ymax = 1;
		var logx = xmin > 0 && xmax / xmin >= 8;
		var tx = function (x) { return logx ? Math.log2(x) : x; };
		var x0 = tx(xmin), x1 = tx(xmax);
		if (x0 === x1) { x0 -= 1; x1 += 1; }
		function X(x) { return L + (tx(x) - x0) / (x1 - x0) * (W - L - R); }
		function Y(y) { return H - B - (y - ymin) / (ymax - ymin) * (H - T - B); }
		for (var i = 0; i <= 4; i++) {
			var yv = ymin + (ymax - ymin) * i / 4;
			svg.appendChild(sv('line', { 'class': 'grid', x1: L, x2: W - R, y1: Y(yv), y2: Y(yv) }));
			svg.appendChild(sv('text', { x: L - 4, y: Y(yv) + 3, 'text-anchor': 'end' }, fmt(yv)));
		}
		svg.appendChild(sv('line', { 'class': 'axis', x1: L, x2: L, y1: T, y2: H - B }));
		svg.appendChild(sv('line', { 'class': 'axis', x1: L, x2: W - R, y1: H - B, y2: H - B }));
		var xt = {};
		all.forEach(function (p) { xt[p[0]] = true; });
		Object.keys(xt).forEach(function (x) {
			svg.appendChild(sv('text', { x: X(+x), y: H - B + 12, 'text-anchor': 'middle' }, x));
		});
		svg.appendChild(sv('text', { x: (L + W - R) / 2, y: H - 4, 'text-anchor': 'middle' },
				   opts.xlabel + (logx ? ' (log scale)' : '')));
		opts.series.forEach(function (s, k) {
			var colour = PALETTE[k % PALETTE.length];
			var d = s.pts.map(function (p, j) {
				return (j ? 'L' : 'M') + X(p[0]).toFixed(1) + ' ' + Y(p[1]).toFixed(1);
			}).join(' ');
			if (d)
				svg.appendChild(sv('path', { 'class': 'line series', d: d,
							     style: 'stroke:' + colour + (s.dashed ?
							     ';stroke-dasharray:4 3' : '') }));
			s.pts.forEach(function (p) {
				var c = sv('circle', { 'class': 'pt', cx: X(p[0]).toFixed(1),
						       cy: Y(p[1]).toFixed(1), r: 2.5, style: 'fill:' + colour });
				c.appendChild(sv('title', {}, s.name + ', ' + opts.xlabel + ' ' + p[0] + ': ' +
						 fmt(p[1])));
				svg.appendChild(c);
			});
			var ly = T + 6 + k * 13;
			svg.appendChild(sv('line', { x1: W - R + 8, x2: W - R + 24, y1: ly, y2: ly,
						     stroke: colour, 'stroke-width': 2,
						     'stroke-dasharray': s.dashed ? '4 3' : 'none' }));
			svg.appendChild(sv('text', { 'class': 'legend', x: W - R + 28, y: ly + 3 }, s.name));
		});
		nCharts++;
		return svg;
	}

	function table(head, rows, leftCols) {
		var t = el('table'), tr = el('tr');
		head.forEach(function (h, i) { tr.appendChild(el('th', { 'class': i < leftCols ? 'l' : '' }, h)); });
		t.appendChild(tr);
		rows.forEach(function (r) {
			var row = el('tr');
			r.forEach(function (c, i) {
				var td = el('td', { 'class': i < leftCols ? 'l' : '' });
				if (c instanceof Node) td.appendChild(c); else td.textContent = c;
				row.appendChild(td);
			});
			t.appendChild(row);
		});
		return t;
	}

	var openRegressions = 0;
	var RANK = { 'regression': 0, 'changed': 1, 'improved': 2, 'unchanged': 3, 'first run': 4 };

	/* One row per scenario: its newest run against the previous one; regressions first. */
	function changes(sec) {
		if (!D.groups.length) {
			sec.appendChild(el('p', {}, 'No runs recorded.'));
			return;
		}
		var order = D.groups.map(function (g, i) { return i; });
		order.sort(function (a, b) {
			var ga = D.groups[a], gb = D.groups[b];
			return (RANK[ga.summary.verdict] - RANK[gb.summary.verdict]) ||
				(gb.summary.open.length - ga.summary.open.length) ||
				ga.label.localeCompare(gb.label);
		});
		var t = el('table', { id: 'summary-table' }), tr = el('tr');
		['scenario', 'latest run', 'vs previous run', 'metrics changed',
		 'open regressions: first bad commit', ''].forEach(function (h) {
			tr.appendChild(el('th', { 'class': 'l' }, h));
		});
		t.appendChild(tr);
		order.forEach(function (i) {
			var g = D.groups[i], s = g.summary;
			var last = g.runs[g.runs.length - 1] || {};
			var row = el('tr', { 'class': 'verdict-' + s.verdict.replace(' ', '-'),
					     'data-scenario': g.label });
			var name = el('td', { 'class': 'l', title: g.key }, g.label);
			row.appendChild(name);
			row.appendChild(el('td', { 'class': 'l' }, 'run ' + s.latest + ' @ ' +
					   short(last.commit) + (last.dirty ? '*' : '')));
			var v = s.verdict + (s.regressions ? ' (' + s.regressions + ')' : '');
			row.appendChild(el('td', { 'class': 'l verdict' + (s.verdict === 'regression' ?
					   ' bad' : '') }, v));
			var ch = s.changed + (s.digest_changed ? ' + outcome digest' : '') +
				(s.new_findings ? ' + new findings' : '');
			row.appendChild(el('td', { 'class': 'l' }, ch));
			var open = el('td', { 'class': 'l' });
			if (!s.open.length)
				open.textContent = '–';
			s.open.forEach(function (o, k) {
				if (k) open.appendChild(el('br'));
				open.appendChild(el('span', { 'class': 'bad summary-first-bad' },
						    o.metric + ': first bad commit ' + short(o.commit) +
						    ' (run ' + o.run + '), last good ' + short(o.last_good)));
			});
			row.appendChild(open);
			var link = el('td', { 'class': 'l' });
			link.appendChild(el('a', { href: '#g' + i }, 'details'));
			row.appendChild(link);
			t.appendChild(row);
		});
		sec.appendChild(t);
	}

	function trendFigure(g, m, ctx) {
		var fig = el('figure', { 'class': 'metric' });
		var marks = m.verdicts.map(function (v) {
			return v === 'REGRESSED' ? 'regress' : v === 'improved' ? 'improve' : '';
		});
		fig.appendChild(lineChart({ xs: ctx.xs, ys: m.values, marks: marks, labels: ctx.labels,
					    ticks: ctx.ticks, xlabel: 'commit (oldest → newest)',
					    cls: 'trend' }));
		var cap = el('figcaption');
		cap.appendChild(el('b', {}, m.name));
		cap.appendChild(document.createTextNode(' (' + m.unit + ', ' + m.kind + ', ' +
							m.better + ' is better)'));
		var nreg = marks.filter(function (x) { return x === 'regress'; }).length;
		if (m.first_bad) {
			cap.appendChild(el('br'));
			cap.appendChild(el('span', { 'class': 'bad first-bad' },
					   'Regression: first bad commit ' + short(m.first_bad.commit) +
					   ' (run ' + m.first_bad.run + '), last good ' +
					   short(m.first_bad.last_good)));
		} else if (nreg) {
			cap.appendChild(el('br'));
			cap.appendChild(el('span', { 'class': 'good' }, nreg +
					   ' earlier regression(s), since recovered'));
		}
		fig.appendChild(cap);
		return fig;
	}

	/* Charts for the metrics that changed; the flat ones are drawn when expanded. */
	function trends(sec) {
		D.groups.forEach(function (g, gi) {
			sec.appendChild(el('h3', { id: 'g' + gi }, g.label));
			sec.appendChild(el('p', { 'class': 'scenario' }, g.key));
			var ticks = g.runs.map(function (r, i) { return [i, short(r.commit).substring(0, 7)]; });
			if (ticks.length > 8) {
				var step = Math.ceil(ticks.length / 8);
				ticks = ticks.filter(function (t, i) { return i % step === 0; });
			}
			var ctx = {
				xs: g.runs.map(function (r, i) { return i; }),
				labels: g.runs.map(function (r) {
					return 'run ' + r.id + ' @ ' + short(r.commit) + (r.dirty ? '*' : '');
				}),
				ticks: ticks,
			};
			var changed = g.runs.filter(function (r) { return r.digest_changed; });
			if (changed.length) {
				sec.appendChild(el('p', { 'class': 'bad regression-note' },
					'Outcome digest changed at: ' + changed.map(function (r) {
						return short(r.commit) + ' (run ' + r.id + ')';
					}).join(', ')));
			}
			var box = el('div', { 'class': 'charts' });
			var flat = [];
			g.metrics.forEach(function (m) {
				if (m.first_bad)
					openRegressions++;
				if (m.changed)
					box.appendChild(trendFigure(g, m, ctx));
				else
					flat.push(m);
			});
			if (!box.children.length)
				box.appendChild(el('p', {}, 'No metric changed.'));
			sec.appendChild(box);
			if (flat.length) {
				var det = el('details', { 'class': 'unchanged' });
				det.appendChild(el('summary', {}, flat.length + ' unchanged metric(s): ' +
						   flat.map(function (m) { return m.name; }).join(', ')));
				var fbox = el('div', { 'class': 'charts' });
				det.appendChild(fbox);
				det.addEventListener('toggle', function () {
					if (!det.open || fbox.children.length) return;
					flat.forEach(function (m) { fbox.appendChild(trendFigure(g, m, ctx)); });
				});
				sec.appendChild(det);
			}
		});
		if (!D.groups.length)
			sec.appendChild(el('p', {}, 'No runs recorded.'));
	}

	function histograms(sec) {
		var any = false;
		D.groups.forEach(function (g) {
			if (!g.histograms.length) return;
			any = true;
			sec.appendChild(el('h3', {}, g.label + ' — run ' + g.histograms[0].run));
			var box = el('div', { 'class': 'charts' });
			g.histograms.forEach(function (h) {
				var fig = el('figure', { 'class': 'hist' });
				fig.appendChild(barChart(h));
				fig.appendChild(el('figcaption', {}, h.name + ': ' + h.count + ' values, min ' +
						   h.min + ', max ' + h.max + ', mean ' +
						   fmt(h.count ? h.sum / h.count : 0) + ' ' + h.unit));
				box.appendChild(fig);
			});
			sec.appendChild(box);
		});
		if (!any) sec.appendChild(el('p', {}, 'No histograms recorded.'));
	}

	function lockstat(sec) {
		var any = false;
		D.groups.forEach(function (g) {
			if (!g.lockstat.length) return;
			any = true;
			sec.appendChild(el('h3', {}, g.label + ' — run ' + g.lockstat_run));
			sec.appendChild(table(['class', 'acquisitions', 'contentions', 'wait total ns',
					       'wait max ns', 'hold total ns', 'hold max ns'],
					      g.lockstat.map(function (l) {
						      return [l['class'], l.acquisitions, l.contentions,
							      l.wait_total_ns, l.wait_max_ns, l.hold_total_ns,
							      l.hold_max_ns];
					      }), 1));
		});
		if (!any) sec.appendChild(el('p', {}, 'No lockstat recorded.'));
	}

	function coverage(sec) {
		if (!D.coverage.length) {
			sec.appendChild(el('p', {}, 'No fuzz campaigns recorded.'));
			return;
		}
		var box = el('div', { 'class': 'charts' });
		D.coverage.forEach(function (c) {
			var fig = el('figure', { 'class': 'coverage' });
			fig.appendChild(lineChart({
				xs: c.points.map(function (p) { return p[0]; }),
				ys: c.points.map(function (p) { return p[2]; }),
				labels: c.points.map(function (p) {
					return 't=' + fmt(p[0]) + ' s, ' + p[1] + ' execs, corpus ' + p[3];
				}),
				xlabel: 'seconds', zero: true, cls: 'coverage-curve' }));
			var last = c.points[c.points.length - 1] || [0, 0, 0, 0];
			fig.appendChild(el('figcaption', {}, c.label + ' @ ' + short(c.commit) + ' (run ' + c.run +
					   '): ' + last[2] + ' edges, ' + last[1] + ' execs, corpus ' + last[3]));
			box.appendChild(fig);
		});
		sec.appendChild(box);
	}

	var POINT_RE = /^model\.vms(\d+)\.vcpus(\d+)((?:\.[A-Za-z_]+\d+)*)\.([A-Za-z][A-Za-z0-9_]*)$/;

	/* The newest run's model points: { key: { vms, series, m: { what: value } } }. */
	function modelPoints(g) {
		var pts = {}, last = g.runs.length - 1;
		g.metrics.forEach(function (m) {
			var r = POINT_RE.exec(m.name);
			if (!r || m.values[last] === null || m.values[last] === undefined) return;
			var key = m.name.substring(6, m.name.length - r[4].length - 1);
			var extra = r[3].replace(/\.([A-Za-z_]+?)(\d+)(?=\.|$)/g, ', $1 $2');
			pts[key] = pts[key] || { vms: +r[1], series: 'vCPUs ' + r[2] + extra, m: {} };
			pts[key].m[r[4]] = m.values[last];
		});
		return pts;
	}

	/* One line per series (vCPU count and other swept axes) of what against VMs. */
	function sweepSeries(pts, value, suffix) {
		var by = {};
		Object.keys(pts).forEach(function (k) {
			var p = pts[k], v = value(p, k);
			if (v === null || v === undefined || !isFinite(v)) return;
			var name = p.series + (suffix || '');
			by[name] = by[name] || { name: name, pts: [], dashed: !!suffix };
			by[name].pts.push([p.vms, v]);
		});
		return Object.keys(by).sort().map(function (n) { return by[n]; });
	}

	function sweepFigure(box, title, series, ylabel) {
		if (!series.length) return;
		var fig = el('figure', { 'class': 'sweep' });
		fig.appendChild(multiChart({ series: series, xlabel: 'VMs', cls: 'sweep-plot' }));
		fig.appendChild(el('figcaption', {}, title + ' (' + ylabel + ')'));
		box.appendChild(fig);
	}

	/* Utilisation (hold time / virtual time) of the busiest locks of the newest run. */
	function lockUtilisation(g, pts) {
		var util = {};
		(g.lockstat || []).forEach(function (l) {
			var c = l['class'], i = c.indexOf(':');
			var p = i > 0 ? pts[c.substring(0, i)] : null;
			if (!p || !(p.m.virtual_ns_total > 0)) return;
			var name = c.substring(i + 1);
			util[name] = util[name] || {};
			util[name][c.substring(0, i)] = l.hold_total_ns / p.m.virtual_ns_total;
		});
		var peak = function (n) {
			return Math.max.apply(null, Object.keys(util[n]).map(function (k) { return util[n][k]; }));
		};
		return Object.keys(util).filter(function (n) { return peak(n) > 0; })
			.sort(function (a, b) { return peak(b) - peak(a); }).slice(0, 3)
			.map(function (n) { return { name: n, at: util[n] }; });
	}

	/*
	 * Each model scenario's newest sweep as a performance engineer reads it:
	 * throughput and p99 against VMs, one line per vCPU count (what-if dashed),
	 * and the utilisation of the busiest locks against VMs.
	 */
	function sweeps(sec) {
		var any = false;
		D.groups.forEach(function (g, gi) {
			var pts = modelPoints(g);
			if (!Object.keys(pts).length) return;
			any = true;
			var run = g.runs[g.runs.length - 1];
			sec.appendChild(el('h3', { id: 'sweep' + gi }, g.label + ' — run ' + run.id + ' @ ' +
					   short(run.commit)));
			var box = el('div', { 'class': 'charts' });
			var get = function (what) { return function (p) { return p.m[what]; }; };
			sweepFigure(box, 'Throughput against VMs',
				    sweepSeries(pts, get('ops_per_virtual_s')).concat(
					    sweepSeries(pts, get('whatif_ops_per_virtual_s'), ' what-if')),
				    'operations per virtual second');
			sweepFigure(box, 'p99 latency of an operation against VMs',
				    sweepSeries(pts, get('op_p99_ns')).concat(
					    sweepSeries(pts, get('whatif_op_p99_ns'), ' what-if')),
				    'virtual ns');
			lockUtilisation(g, pts).forEach(function (lk) {
				sweepFigure(box, 'Utilisation of ' + lk.name + ' against VMs',
					    sweepSeries(pts, function (p, k) { return lk.at[k]; }),
					    'hold time / virtual time');
			});
			sec.appendChild(box);
		});
		if (!any) sec.appendChild(el('p', {}, 'No model sweeps recorded.'));
	}

	/* One chart per harness and engine: the newest campaign's coverage curve, and its runs. */
	function campaigns(sec) {
		if (!D.fuzz || !D.fuzz.length) {
			sec.appendChild(el('p', {}, 'No fuzz campaigns recorded.'));
			return;
		}
		D.fuzz.forEach(function (g) {
			var last = g.runs[0];
			sec.appendChild(el('h3', {}, g.harness + ' (' + g.engine + ')'));
			var fig = el('figure', { 'class': 'campaign' });
			fig.appendChild(lineChart({
				xs: last.points.map(function (p) { return p[0]; }),
				ys: last.points.map(function (p) { return p[2]; }),
				labels: last.points.map(function (p) {
					return 't=' + fmt(p[0]) + ' s, ' + p[1] + ' execs, corpus ' + p[3];
				}),
				xlabel: 'seconds', zero: true, cls: 'campaign-curve' }));
			fig.appendChild(el('figcaption', {}, 'run ' + last.run + ' @ ' + short(last.commit) +
					   ': coverage (edges) over time'));
			sec.appendChild(fig);
			sec.appendChild(table(['run', 'started (UTC)', 'commit', 'core', 'execs', 'exec/s',
					       'edges', 'core/ edges', 'findings'],
					      g.runs.map(function (r) {
						      return [r.run, r.started, short(r.commit), r.flavour || '',
							      fmt(r.execs), fmt(r.exec_per_s), fmt(r.coverage),
							      fmt(r.core_edges), r.findings];
					      }), 4));
		});
	}

	/* The newest bugbench run: bugs x harnesses, detections and median time to detection. */
	function bugbench(sec) {
		var B = D.bugbench;
		if (!B) {
			sec.appendChild(el('p', {}, 'No bugbench run recorded.'));
			return;
		}
		var bugs = [], hs = [], at = {};
		B.cells.forEach(function (c) {
			if (bugs.indexOf(c.bug) < 0) bugs.push(c.bug);
			if (hs.indexOf(c.harness) < 0) hs.push(c.harness);
			at[c.bug + '|' + c.harness] = c;
		});
		sec.appendChild(el('p', {}, 'Run ' + B.run + ' @ ' + short(B.commit) + ', flavour ' +
				   B.flavour + ', ' + fmt(B.budget_s) + ' s per campaign. Each cell: ' +
				   'trials detected / trials, median time to detection (nearest rank, ' +
				   'undetected trials at the budget), trials that reached the changed lines.'));
		sec.appendChild(table(['bug'].concat(hs), bugs.map(function (b) {
			return [b].concat(hs.map(function (h) {
				var c = at[b + '|' + h];
				if (!c) return '–';
				var med = c.median_s === null ? '>' + fmt(c.budget_s) + ' s' : fmt(c.median_s) + ' s';
				var e = el('span', { 'class': c.detected ? 'good' : 'bad' },
					   c.detected + '/' + c.trials + ', ' + med + ', reached ' +
					   (c.reached === null ? '?' : c.reached + '/' + c.trials));
				return e;
			}));
		}), 1));
		if (B.mutated !== null)
			sec.appendChild(el('p', { id: 'kill-count' }, 'Unit suites kill ' + B.killed + ' of ' +
					   B.mutated + ' seeded bugs (run ' + B.mutation_run + ').'));
		if (B.mutation.length)
			sec.appendChild(table(['mutation'], B.mutation.map(function (m) { return [m]; }), 1));
	}

	function findings(sec) {
		if (!D.findings.length) {
			sec.appendChild(el('p', {}, 'No findings.'));
			return;
		}
		sec.appendChild(table(['run', 'commit', 'kind', 'at op', 'message', 'reproducer'],
				      D.findings.map(function (f) {
					      var rep = f.link ? el('a', { href: f.link, 'class': 'reproducer' },
								    f.reproducer) : f.missing ?
						      el('span', { 'class': 'bad missing-reproducer' },
							 f.reproducer + ' (not found)') : (f.reproducer || '–');
					      return [f.run, short(f.commit), f.kind,
						      f.position === null ? '?' : f.position, f.message, rep];
				      }), 6));
	}

	/* pasidsim bench: issue 13's goals, then every benchmark's latest figures. */
	function benchmarks(sec) {
		var B = D.benchmarks;
		if (!B || !B.rows.length) {
			sec.appendChild(el('p', {}, "No benchmark runs (run 'pasidsim bench')."));
			return;
		}
		sec.appendChild(el('h3', {}, 'Goals (issue 13)'));
		sec.appendChild(table(['goal', 'mode', 'measured', ''], B.goals.map(function (g) {
			var v = el('span', { 'class': g.met === null ? '' : g.met ? 'good' : 'bad' },
				   g.met === null ? 'not measured' : g.met ? 'met' : 'not met');
			return [g.goal, g.mode, g.measured, v];
		}), 3));
		sec.appendChild(el('h3', {}, 'Figures (medians of interleaved rounds)'));
		sec.appendChild(table(['benchmark', 'mode', 'op', 'ns/op', 'op/s', 'instructions/op',
				       'samples', 'run', 'commit'],
				      B.rows.map(function (b) {
					      return [b.name, b.mode, b.op, fmt(b.median_ns), fmt(b.ops_per_s),
						      b.instructions_per_op === null ? '–' :
						      fmt(b.instructions_per_op), b.samples, b.run,
						      short(b.commit)];
				      }), 3));
	}

	function runs(sec) {
		sec.appendChild(table(['id', 'started (UTC)', 'commit', 'branch', 'command', 'flavour',
				       'status', 'digest', 'machine'],
				      D.runs.map(function (r) {
					      return [r.id, r.started, short(r.commit) + (r.dirty ? '*' : ''),
						      r.branch || '', r.command, r.flavour || '', r.status || '',
						      r.digest || '', r.machine || ''];
				      }), 9));
		if (D.runs_omitted)
			sec.appendChild(el('p', {}, D.runs_omitted + ' older runs not listed.'));
	}

	function main() {
		if (!D) {
			console.error('data.js did not define PASIDSIM_DATA');
			return;
		}
		changes(document.getElementById('changes'));
		trends(document.getElementById('trends'));
		histograms(document.getElementById('histograms'));
		lockstat(document.getElementById('lockstat'));
		sweeps(document.getElementById('sweeps'));
		benchmarks(document.getElementById('benchmarks'));
		coverage(document.getElementById('coverage'));
		campaigns(document.getElementById('campaigns'));
		bugbench(document.getElementById('bugbench'));
		findings(document.getElementById('findings'));
		runs(document.getElementById('runs'));
		var s = document.getElementById('summary');
		s.textContent = D.nruns + ' runs in ' + D.groups.length + ' scenarios from ' + D.db +
			', generated ' + D.generated + '. ';
		s.appendChild(el('span', { 'class': openRegressions ? 'bad' : 'good', id: 'open-regressions' },
				 openRegressions ? openRegressions + ' open regression(s).' : 'No open regression.'));
	}

	try {
		main();
	} catch (e) {
		window.pasidsimErrors.push('exception: ' + e + (e.stack ? '\n' + e.stack : ''));
	}
	var errs = window.pasidsimErrors;
	document.getElementById('errors').textContent = errs.join('\n');
	document.getElementById('status').textContent = errs.length ? 'errors' : 'rendered';
	document.body.setAttribute('data-status', errs.length ? 'errors' : 'rendered');
	document.body.setAttribute('data-charts', nCharts);
})();
