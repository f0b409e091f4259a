"""The Diffusion panel and its tools: DDIM inversion, slerp interpolation, the step sweep and the guidance grid."""
