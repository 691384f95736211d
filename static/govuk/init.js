// Loaded as <script type="module"> instead of GOV.UK's inline snippet, so pages work
// under a Content Security Policy without 'unsafe-inline'. Browsers that cannot run
// modules never run this file, so they keep the no-JavaScript experience, which is
// what the snippet's 'noModule' test decides.
import { initAll } from './govuk-frontend.min.js'

document.body.classList.add('js-enabled', 'govuk-frontend-supported')
initAll()
