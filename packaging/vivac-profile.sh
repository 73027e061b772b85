# vivac's VA driver for login shells (the same as
# /usr/lib/environment.d/60-vivac.conf for graphical sessions); a value the
# user set already is kept.
export LIBVA_DRIVER_NAME="${LIBVA_DRIVER_NAME:-vivac}"
export GST_VAAPI_ALL_DRIVERS="${GST_VAAPI_ALL_DRIVERS:-1}"
