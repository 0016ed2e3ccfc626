// browser.mjs - headless Chromium for the page tests (docs.mjs, dashboard.mjs):
// Debian's /usr/bin/chromium through playwright-core, in a persistent
// context so the profile is the test's own fresh folder.  Returns the
// context, its first page, every URL the page requested, and the page's
// errors (uncaught exceptions, and console errors that keep(text) accepts).
import { chromium } from 'playwright-core';

export async function openBrowser(profile, keep = () => true) {
	const context = await chromium.launchPersistentContext(profile, {
		executablePath: '/usr/bin/chromium',
		headless: true,
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
			'--disable-component-update', '--disable-sync'],
		viewport: { width: 1280, height: 900 },
		timeout: 60000, // a loaded CI machine has taken over 20 s to start Chromium
	});
	const requests = [];
	context.on('request', (r) => requests.push(r.url()));
	const page = context.pages()[0] || (await context.newPage());
	const errors = [];
	page.on('pageerror', (e) => errors.push(String(e)));
	page.on('console', (m) => {
		if (m.type() === 'error' && keep(m.text())) errors.push(m.text());
	});
	return { context, page, requests, errors };
}
