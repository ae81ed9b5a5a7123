// Registers every transform with the config registry (kind "transform").
import "./resize.js";
import "./random-crop.js";
import "./random-flip.js";
import "./photometric.js";
import "./normalize.js";
import "./pad.js";
import "./random-rotate.js";
import "./elastic.js";
import "./mirror-pad.js";
import "./gaussian-blur.js";
import "./gaussian-noise.js";
import "./polar.js";
