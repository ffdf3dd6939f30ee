/** The detectors Aberrant ships: importing each module registers it (see register.ts). One line per detector. */
import './dagmm/detector.js';
import './ae/detector.js';
import './dae/detector.js';
import './sae/detector.js';
import './cae/detector.js';
import './vae/detector.js';
import './advae/detector.js';
import './rda/detector.js';
import './dsebm/detector.js';
import './dagmm-variants/gmm-en.js';
import './dagmm-variants/pae.js';
import './dagmm-variants/pae-gmm-em.js';
import './dagmm-variants/pae-gmm.js';
import './dagmm-variants/dagmm-p.js';
import './dagmm-variants/dagmm-nvi.js';
import './ocsvm/detector.js';
import './dcn/detector.js';
