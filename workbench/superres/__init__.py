"""Super-resolution outside training: comparison views, PSNR / SSIM by the SR papers' conventions, export."""
